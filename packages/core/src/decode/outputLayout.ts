/**
 * How a model's raw output is laid out. Detected from output shapes + Ultralytics metadata
 * (`detectOutputLayout` in layout/) and always overridable by the caller.
 */
export type OutputLayout =
  /** YOLOv8 / YOLO11 head: [B, 4+nc, N] (cx,cy,w,h then class scores, already sigmoided); `transposed` = [B, N, 4+nc]. */
  | { kind: 'yolov8'; numClasses: number; numAnchors: number; transposed: boolean }
  /** YOLOv5 / YOLOv7 head: [B, N, 5+nc] (cx,cy,w,h,objectness,class probs); score = objectness × class. */
  | { kind: 'yolov5'; numClasses: number; numAnchors: number }
  /** End-to-end / server-side NMS: [B, K, 6] = x1,y1,x2,y2,score,class in model-input pixels. */
  | { kind: 'end2end'; maxDetections: number }
  /** Classifier: [B, C]; `auto` applies softmax only when the values are not already probabilities. */
  | { kind: 'classification'; numClasses: number; activation: 'auto' | 'softmax' | 'none' };

export type OutputLayoutKind = OutputLayout['kind'];
