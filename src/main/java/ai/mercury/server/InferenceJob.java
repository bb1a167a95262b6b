package ai.mercury.server;

import ai.mercury.model.RecommendQuery;

/**
 * One {@code /recommend} request handed to an inference worker: the query, when it was handed
 * over (for the queue-wait budget) and when its caller stops waiting (work after that is skipped).
 */
record InferenceJob(RecommendQuery query, long handedOverNanos, long deadlineNanos) {}
