"""Baseline for bench/triton-client.bench.mjs: NVIDIA's Python `tritonclient` (http or grpc) against the same
server, same model and same input. `concurrency` threads, each with its own client, issue blocking infer
calls (binary tensors on HTTP, raw contents on gRPC, as tritonclient does by default).

usage: python bench/triton-client-py.py '<json spec>'
       python bench/triton-client-py.py --serve   (one JSON spec per stdin line, one result line each: the
       bench keeps this process for the whole run, so rounds alternate with ours without a start-up each)
spec: { url, protocol: "http"|"grpc", model, input, output, datatype, shape, concurrency, requests, warmup, latencies? }
prints one JSON line: { ips, p50_ms, p95_ms, n, wall_s, cpu_ms_per_req, lat_ms? (every request's latency when asked) }
"""
import json
import sys
import threading
import time

import numpy as np

NP = {"FP32": np.float32, "FP16": np.float16, "UINT8": np.uint8}


def run(spec):
    proto = spec["protocol"]
    if proto == "http":
        import tritonclient.http as tc
    else:
        import tritonclient.grpc as tc
    dt = spec["datatype"]
    shape = spec["shape"]
    rng = np.random.default_rng(1)
    x = (rng.random(shape, dtype=np.float32) * 255).astype(NP[dt]) if dt == "UINT8" else rng.random(shape, dtype=np.float32).astype(NP[dt])
    conc = int(spec["concurrency"])
    total = int(spec["requests"])
    warmup = int(spec.get("warmup", 5))

    def make():
        c = tc.InferenceServerClient(url=spec["url"])
        inp = tc.InferInput(spec["input"], shape, dt)
        if proto == "http":
            inp.set_data_from_numpy(x, binary_data=True)
            out = tc.InferRequestedOutput(spec["output"], binary_data=True)
        else:
            inp.set_data_from_numpy(x)
            out = tc.InferRequestedOutput(spec["output"])
        return c, inp, out

    lat = []
    lock = threading.Lock()
    counter = [0]
    # tritonclient.http is gevent-based: a client must be created and used on one thread.
    ready = threading.Barrier(conc + 1)

    def worker():
        c, inp, out = make()
        for _ in range(max(1, warmup // conc)):
            c.infer(spec["model"], [inp], outputs=[out]).as_numpy(spec["output"])
        ready.wait()
        while True:
            with lock:
                if counter[0] >= total:
                    break
                counter[0] += 1
            t0 = time.perf_counter()
            r = c.infer(spec["model"], [inp], outputs=[out])
            y = r.as_numpy(spec["output"])
            assert y is not None
            dt_ms = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(dt_ms)
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    c0 = time.process_time()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    # CPU of this whole process (all threads) per request: on a box where client and server share cores,
    # this is what decides throughput at high concurrency.
    cpu = time.process_time() - c0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, max(0, round(p * (len(lat) - 1))))]
    images = total * shape[0]
    out = {"ips": images / wall, "p50_ms": q(0.5), "p95_ms": q(0.95), "n": len(lat), "wall_s": wall, "cpu_ms_per_req": cpu * 1000 / total}
    if spec.get("latencies"):
        out["lat_ms"] = lat
    return out


def main():
    if sys.argv[1] == "--serve":
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(run(json.loads(line))), flush=True)
        return
    print(json.dumps(run(json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
