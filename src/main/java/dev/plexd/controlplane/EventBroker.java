package dev.plexd.controlplane;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.LongFunction;

/**
 * Fans SSE frames out to the open streams and keeps the last {@link #capacity} numbered frames so a
 * reconnecting node can resume after its {@code Last-Event-ID}.
 */
final class EventBroker {

    /** One open stream: frames to write, in order. An empty string tells the writer to stop. */
    static final class Subscriber {
        final String nodeId;
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();

        Subscriber(String nodeId) {
            this.nodeId = nodeId;
        }
    }

    static final String STOP = "";

    private record Frame(long id, String text) {
    }

    private final int capacity;
    private final ArrayDeque<Frame> buffer = new ArrayDeque<>();
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private long lastId;

    EventBroker(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Numbers a new event, buffers it and sends it to every stream.
     *
     * @param data builds the {@code data:} line's JSON for the new event id
     */
    synchronized long publish(LongFunction<String> data) {
        long id = ++lastId;
        String text = "id: " + id + "\ndata: " + data.apply(id) + "\n\n";
        buffer.addLast(new Frame(id, text));
        while (buffer.size() > capacity) {
            buffer.removeFirst();
        }
        subscribers.forEach(s -> s.frames.add(text));
        return id;
    }

    /** Sends text to every stream as is: not numbered, not buffered (development injection). */
    int broadcastRaw(String text) {
        String frame = text.endsWith("\n\n") ? text : text.endsWith("\n") ? text + "\n" : text + "\n\n";
        subscribers.forEach(s -> s.frames.add(frame));
        return subscribers.size();
    }

    /**
     * Adds a stream and queues the buffered frames after {@code lastEventId} (all of them when it
     * is null or older than the buffer).
     */
    synchronized Subscriber subscribe(String nodeId, Long lastEventId) {
        Subscriber subscriber = new Subscriber(nodeId);
        if (lastEventId != null) {
            for (Frame frame : buffer) {
                if (frame.id() > lastEventId) {
                    subscriber.frames.add(frame.text());
                }
            }
        }
        subscribers.add(subscriber);
        return subscriber;
    }

    void unsubscribe(Subscriber subscriber) {
        subscribers.remove(subscriber);
    }

    /** Ends every stream. */
    void stopAll() {
        List<Subscriber> all = new ArrayList<>(subscribers);
        all.forEach(s -> s.frames.add(STOP));
    }

    int streams() {
        return subscribers.size();
    }
}
