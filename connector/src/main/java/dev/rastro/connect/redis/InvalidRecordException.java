package dev.rastro.connect.redis;

import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A record that can never be written (bad shape, missing id or timestamp, ...): goes to the DLQ, is not retried.
 * The message always names the record as topic-partition@offset so an operator can find it.
 */
public final class InvalidRecordException extends DataException {

    private static final long serialVersionUID = 1L;

    InvalidRecordException(SinkRecord record, String problem) {
        super("Invalid record " + coordinates(record) + ": " + problem);
    }

    /** topic-partition@offset of the record as it was consumed (before any SMT renamed the topic). */
    static String coordinates(SinkRecord record) {
        return record.originalTopic() + "-" + record.originalKafkaPartition() + "@" + record.originalKafkaOffset();
    }
}
