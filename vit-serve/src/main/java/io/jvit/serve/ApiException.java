package io.jvit.serve;

/** A request the API refuses: its HTTP status and the problem, sent as {@code {"error": "…"}}. */
final class ApiException extends RuntimeException {
    final int status;

    ApiException(int status, String problem) {
        super(problem);
        this.status = status;
    }

    static ApiException badRequest(String problem) {
        return new ApiException(400, problem);
    }

    static ApiException notFound(String problem) {
        return new ApiException(404, problem);
    }
}
