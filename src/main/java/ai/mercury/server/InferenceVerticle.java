package ai.mercury.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * The worker side of {@code /recommend}: deployed as a worker verticle (several instances, each
 * runs one request at a time), it takes an {@link InferenceJob} from the event bus and replies with
 * a {@link RecommendReply}. A job that waited longer than the queue-wait budget, or whose caller has
 * already given up, is answered without being computed (see {@link Dispatcher}). Never runs on an
 * event loop.
 */
public final class InferenceVerticle extends VerticleBase {
    static final String ADDRESS = "mercury.recommend";

    private final Inference inference;
    private final Dispatcher.Admission admission;
    private MessageConsumer<InferenceJob> consumer;

    InferenceVerticle(Inference inference, Dispatcher.Admission admission) {
        this.inference = inference;
        this.admission = admission;
    }

    @Override
    public Future<?> start() {
        consumer = vertx.eventBus().localConsumer(ADDRESS, this::handle);
        return consumer.completion();
    }

    private void handle(Message<InferenceJob> message) {
        InferenceJob job = message.body();
        RecommendReply refused = admission.refuseStale(job, System.nanoTime());
        message.reply(refused != null ? refused : inference.run(job.query()));
    }

    @Override
    public Future<?> stop() {
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }
}
