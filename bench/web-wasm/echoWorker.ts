// Replies to every message at once: the page times the bare postMessage round trip to a worker on this
// machine, the floor under our detect()'s messaging cost.
self.onmessage = (e: MessageEvent<ArrayBuffer>) => (self as unknown as Worker).postMessage(e.data, [e.data]);
