"""Reference COCO bbox evaluation with pycocotools, for agreement tests and benches.

usage: pycocotools_eval.py GT.json DETECTIONS.json
Prints one JSON object: {"stats": [12 numbers], "perClass": {"<category id>": {"ap": x, "ap50": y}}}.
"""
import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main() -> None:
    gt_path, dt_path = sys.argv[1], sys.argv[2]
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        gt = COCO(gt_path)
        with open(dt_path) as f:
            dets = json.load(f)
        # loadRes rejects an empty list; an empty result set scores 0 wherever GT exists.
        dt = gt.loadRes(dets) if dets else COCO()
        if not dets:
            dt.dataset = {"images": gt.dataset["images"], "categories": gt.dataset["categories"], "annotations": []}
            dt.createIndex()
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    prec = ev.eval["precision"]  # [T, R, K, A, M]
    per_class = {}
    for k, cat in enumerate(ev.params.catIds):
        s = prec[:, :, k, 0, -1]
        s50 = prec[0, :, k, 0, -1]
        per_class[str(cat)] = {
            "ap": float(np.mean(s[s > -1])) if (s > -1).any() else None,
            "ap50": float(np.mean(s50[s50 > -1])) if (s50 > -1).any() else None,
        }
    print(json.dumps({"stats": [float(x) for x in ev.stats], "perClass": per_class}))


if __name__ == "__main__":
    main()
