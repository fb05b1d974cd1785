/**
 * Watches a request's body on its way to the managed Worker, so that a failure the client caused (it sent
 * its body too slowly, or broke it off) is not blamed on the Worker's health.
 */
export interface BodyWatch {
	request: Request;
	/** The Worker is waiting for bytes the client has not sent yet. */
	waitingOnClient(): boolean;
	/** The client's body failed (the client aborted it). */
	failed(): boolean;
}

export function watchBody(request: Request): BodyWatch {
	const source = request.body;
	if (!source) return { request, waitingOnClient: () => false, failed: () => false };
	const reader = source.getReader();
	let waiting = false;
	let failed = false;
	// highWaterMark 0: a read reaches the client only when the Worker asks for more.
	const body = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				waiting = true;
				try {
					const { done, value } = await reader.read();
					if (done) controller.close();
					else controller.enqueue(value);
				} catch (error) {
					failed = true;
					controller.error(error);
				} finally {
					waiting = false;
				}
			},
			cancel: (reason) => reader.cancel(reason),
		},
		{ highWaterMark: 0 },
	);
	return {
		request: new Request(request.url, {
			method: request.method,
			headers: request.headers,
			body,
			redirect: request.redirect,
		}),
		waitingOnClient: () => waiting,
		failed: () => failed,
	};
}
