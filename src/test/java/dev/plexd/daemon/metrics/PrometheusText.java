package dev.plexd.daemon.metrics;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4) for tests: every line
 * must be a HELP, a TYPE or a sample of a declared family, label values properly escaped, values
 * numbers; histogram buckets must be cumulative and end in {@code +Inf} equal to {@code _count}.
 */
public final class PrometheusText {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

    private PrometheusText() {
    }

    /**
     * Parses and checks the text.
     *
     * @return every sample as {@code name{labels}} (labels as written) → value
     * @throws AssertionError naming the line that is not valid
     */
    public static Map<String, Double> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, Double> lastBucket = new HashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = TYPE.matcher(line)).matches()) {
                if (types.put(m.group(1), m.group(2)) != null) {
                    throw new AssertionError("line " + lineNo + ": second TYPE for " + m.group(1));
                }
                continue;
            }
            if (HELP.matcher(line).matches()) {
                continue;
            }
            if (line.startsWith("#")) {
                throw new AssertionError("line " + lineNo + ": bad comment: " + line);
            }
            if (!(m = SAMPLE.matcher(line)).matches()) {
                throw new AssertionError("line " + lineNo + ": not a sample: " + line);
            }
            String name = m.group(1);
            String labels = m.group(3) == null ? "" : m.group(3);
            checkLabels(labels, lineNo);
            double value = number(m.group(4), lineNo);
            String family = familyOf(name, types);
            if (family == null) {
                throw new AssertionError("line " + lineNo + ": sample of undeclared family: " + name);
            }
            if (types.get(family).equals("histogram") && name.endsWith("_bucket")) {
                String series = family + labels.replaceAll("le=\"[^\"]*\",?", "");
                Double previous = lastBucket.put(series, value);
                if (previous != null && value < previous) {
                    throw new AssertionError("line " + lineNo + ": histogram buckets not cumulative: " + line);
                }
            }
            samples.put(name + (labels.isEmpty() ? "" : "{" + labels + "}"), value);
        }
        for (Map.Entry<String, String> type : types.entrySet()) {
            if (type.getValue().equals("histogram")) {
                samples.forEach((series, value) -> {
                    if (series.startsWith(type.getKey() + "_bucket") && series.contains("le=\"+Inf\"")) {
                        String count = series.replace("_bucket", "_count").replaceAll(",?le=\"\\+Inf\"", "").replace("{}", "");
                        if (!value.equals(samples.get(count))) {
                            throw new AssertionError(series + " = " + value + " but " + count + " = " + samples.get(count));
                        }
                    }
                });
            }
        }
        return samples;
    }

    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : new String[]{"_total", "_count", "_sum", "_bucket", "_created", "_info"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private static void checkLabels(String labels, int lineNo) {
        int at = 0;
        Matcher m = LABEL.matcher(labels);
        while (at < labels.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new AssertionError("line " + lineNo + ": bad labels: {" + labels + "}");
            }
            at = m.end();
        }
    }

    private static double number(String text, int lineNo) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new AssertionError("line " + lineNo + ": not a number: " + text);
                }
            }
        };
    }
}
