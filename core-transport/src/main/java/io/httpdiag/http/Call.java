package io.httpdiag.http;

/**
 * One logical request as the {@link Client} or {@link Transport#roundTrip} hands it over: what
 * stays the same across the attempts ({@link Exchange}s) a retry makes. Immutable.
 *
 * @param request the request to send (a redirect's, for a client following one)
 * @param cancelOn the request whose cancellation aborts the exchange (the original one)
 * @param defaults the client's default headers, sent when the request lacks them; null for none
 * @param trace the listener; null for none
 * @param deadline the overall deadline: the client's timeout or the request's, whichever is shorter
 */
record Call(Request request, Request cancelOn, Headers defaults, ClientTrace trace, Deadline deadline) {}
