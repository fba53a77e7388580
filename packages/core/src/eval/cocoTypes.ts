/**
 * COCO-format records the evaluator reads. Only the fields bbox evaluation needs are typed; extra fields
 * (segmentation, coco_url…) may be present and are ignored.
 */
export interface CocoImage {
  id: number;
  width?: number;
  height?: number;
  file_name?: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in pixels. */
  bbox: [number, number, number, number];
  /** Area used for the small/medium/large split. COCO json carries the segmentation area; when absent, w×h. */
  area?: number;
  /** Crowd regions: matched without penalty, never counted as missed. */
  iscrowd?: 0 | 1 | boolean;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** One detection in the COCO results format. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}
