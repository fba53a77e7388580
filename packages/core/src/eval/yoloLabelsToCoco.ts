/**
 * Convert YOLO txt labels (one `class cx cy w h` line per object, normalised to the image size) to COCO
 * ground truth. Category ids are the YOLO class ids, so detections' classId maps straight onto them.
 * Area is the box area (w×h) — YOLO labels carry no segmentation — and nothing is a crowd.
 */
import { OptionError } from '../errors.js';
import type { CocoAnnotation, CocoGroundTruth } from './cocoTypes.js';

export interface YoloLabelImage {
  id: number;
  fileName: string;
  width: number;
  height: number;
  /** Contents of the image's .txt label file; empty or missing means no objects. */
  labels?: string;
}

export function yoloLabelsToCoco(images: readonly YoloLabelImage[], names: readonly string[]): CocoGroundTruth {
  const annotations: CocoAnnotation[] = [];
  let nextId = 1; // ids start at 1: pycocotools treats an annotation id of 0 as "unmatched"
  for (const img of images) {
    if (!(img.width > 0 && img.height > 0)) {
      throw new OptionError('E_EVAL_INPUT', `${img.fileName}: image size ${img.width}×${img.height} is not positive`);
    }
    const lines = (img.labels ?? '').split(/\r?\n/);
    for (let ln = 0; ln < lines.length; ln++) {
      const line = lines[ln].trim();
      if (line === '') continue;
      const parts = line.split(/\s+/).map(Number);
      const [cls, cx, cy, w, h] = parts;
      // Segment labels (class x1 y1 x2 y2 …) are turned into their bounding box, as Ultralytics does.
      let box: [number, number, number, number];
      if (parts.length === 5) {
        box = [cx - w / 2, cy - h / 2, w, h];
      } else if (parts.length >= 7 && parts.length % 2 === 1) {
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (let p = 1; p < parts.length; p += 2) {
          x0 = Math.min(x0, parts[p]);
          x1 = Math.max(x1, parts[p]);
          y0 = Math.min(y0, parts[p + 1]);
          y1 = Math.max(y1, parts[p + 1]);
        }
        box = [x0, y0, x1 - x0, y1 - y0];
      } else {
        throw new OptionError('E_EVAL_INPUT', `${img.fileName} label line ${ln + 1}: expected "class cx cy w h", got "${line}"`);
      }
      if (!Number.isInteger(cls) || cls < 0 || cls >= names.length || !box.every(Number.isFinite)) {
        throw new OptionError('E_EVAL_INPUT', `${img.fileName} label line ${ln + 1}: bad class or coordinates in "${line}"`);
      }
      const bbox: [number, number, number, number] = [box[0] * img.width, box[1] * img.height, box[2] * img.width, box[3] * img.height];
      annotations.push({ id: nextId++, image_id: img.id, category_id: cls, bbox, area: bbox[2] * bbox[3], iscrowd: 0 });
    }
  }
  return {
    images: images.map((i) => ({ id: i.id, file_name: i.fileName, width: i.width, height: i.height })),
    annotations,
    categories: names.map((name, id) => ({ id, name })),
  };
}
