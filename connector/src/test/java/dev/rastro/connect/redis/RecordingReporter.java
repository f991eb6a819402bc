package dev.rastro.connect.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;

/** Test double for Connect's DLQ reporter: remembers what was reported, in order. */
final class RecordingReporter implements ErrantRecordReporter {

    record Report(SinkRecord record, Throwable error) {
    }

    final List<Report> reports = new ArrayList<>();

    @Override
    public Future<Void> report(SinkRecord record, Throwable error) {
        reports.add(new Report(record, error));
        return CompletableFuture.completedFuture(null);
    }

    List<String> messages() {
        return reports.stream().map(r -> r.error().getMessage()).toList();
    }
}
