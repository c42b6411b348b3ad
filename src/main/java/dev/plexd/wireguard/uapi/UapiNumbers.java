package dev.plexd.wireguard.uapi;

/** Decimal numbers as UAPI writes them: digits only, no sign, no spaces. */
final class UapiNumbers {

    private UapiNumbers() {
    }

    /** @throws IllegalArgumentException when not 1–19 decimal digits or above {@code max} */
    static long parseUnsigned(String text, long max) {
        if (text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a number in 0.." + max);
        }
        long value = Long.parseUnsignedLong(text); // 19 digits always fit 64 unsigned bits
        if (Long.compareUnsigned(value, max) > 0) {
            throw new IllegalArgumentException("out of range 0.." + max);
        }
        return value;
    }
}
