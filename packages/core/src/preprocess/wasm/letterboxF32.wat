;; OpenCV's 8-bit resize of an RGB/RGBA image into a float32 NCHW tensor, /255: INTER_LINEAR (fixed point)
;; and the 2× INTER_AREA shortcut OpenCV takes for exact 2:1 downscales.
;; Same integer math as letterboxPreprocessor.ts (and cv::resize): per output pixel, a horizontal pass on two
;; source rows (11-bit weights, i32x4.dot_i16x8_s on interleaved pixel pairs), OpenCV's vertical rounding
;; ((b·(S>>4))>>16 per row, then (+2)>>2), then an exact float32 division by 255 (equal to the JS LUT for
;; all 256 values). Compiled by scripts/build-wasm-kernels.mjs into letterboxF32Wasm.ts.
;;
;; Memory the caller lays out:
;;   $coef  newW × 16 bytes: i16x8 [a0,a1,a0,a1,a0,a1,a0,a1] per output column
;;   $xoff  newW × i32: byte offset of the column's left source pixel within a row (its right neighbour
;;          is the next pixel; where the right weight is 0 the neighbour's value is multiplied by 0)
;;   $rows  newH × 16 bytes: i32 [row0 byte offset, row1 byte offset, b0, b1]
;;   $mask  16 bytes: i8x16.swizzle mask that interleaves the two pixels' channels as [c0p0,c0p1,c1p0,...]
;;   $src   the pixels (8 readable bytes past each left pixel: the caller adds slack after the image)
;;   $out   element (0,0) of the resized area in plane R; rows $pitch elements apart, planes $plane bytes
(module
  (memory (export "memory") 1)
  (func (export "letterboxF32")
    (param $src i32) (param $coef i32) (param $xoff i32) (param $rows i32) (param $mask i32)
    (param $newW i32) (param $newH i32) (param $out i32) (param $pitch i32) (param $plane i32)
    (local $dy i32) (local $x i32) (local $row i32) (local $r0 i32) (local $r1 i32) (local $o i32) (local $p i32)
    (local $off i32) (local $plane2 i32)
    (local $b0 v128) (local $b1 v128) (local $c v128) (local $m v128) (local $h0 v128) (local $h1 v128) (local $f v128)
    (local.set $m (v128.load (local.get $mask)))
    (local.set $plane2 (i32.shl (local.get $plane) (i32.const 1)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $dy) (local.get $newH)))
        (local.set $row (i32.add (local.get $rows) (i32.shl (local.get $dy) (i32.const 4))))
        (local.set $r0 (i32.add (local.get $src) (i32.load (local.get $row))))
        (local.set $r1 (i32.add (local.get $src) (i32.load offset=4 (local.get $row))))
        (local.set $b0 (i32x4.splat (i32.load offset=8 (local.get $row))))
        (local.set $b1 (i32x4.splat (i32.load offset=12 (local.get $row))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $dy) (local.get $pitch)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $rowDone
          (loop $pixel
            (br_if $rowDone (i32.ge_u (local.get $x) (local.get $newW)))
            (local.set $c (v128.load (i32.add (local.get $coef) (i32.shl (local.get $x) (i32.const 4)))))
            (local.set $off (i32.load (i32.add (local.get $xoff) (i32.shl (local.get $x) (i32.const 2)))))
            ;; [R,G,B,A] horizontal sums of source row 0 and row 1 (values × 2048)
            (local.set $h0 (i32x4.dot_i16x8_s
              (i16x8.extend_low_i8x16_u (i8x16.swizzle (v128.load64_zero (i32.add (local.get $r0) (local.get $off))) (local.get $m)))
              (local.get $c)))
            (local.set $h1 (i32x4.dot_i16x8_s
              (i16x8.extend_low_i8x16_u (i8x16.swizzle (v128.load64_zero (i32.add (local.get $r1) (local.get $off))) (local.get $m)))
              (local.get $c)))
            (local.set $f (f32x4.div
              (f32x4.convert_i32x4_s
                (i32x4.shr_s
                  (i32x4.add
                    (i32x4.add
                      (i32x4.shr_s (i32x4.mul (local.get $b0) (i32x4.shr_s (local.get $h0) (i32.const 4))) (i32.const 16))
                      (i32x4.shr_s (i32x4.mul (local.get $b1) (i32x4.shr_s (local.get $h1) (i32.const 4))) (i32.const 16)))
                    (v128.const i32x4 2 2 2 2))
                  (i32.const 2)))
              (v128.const f32x4 255 255 255 255)))
            (local.set $p (i32.add (local.get $o) (i32.shl (local.get $x) (i32.const 2))))
            (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $f)))
            (f32.store (i32.add (local.get $p) (local.get $plane)) (f32x4.extract_lane 1 (local.get $f)))
            (f32.store (i32.add (local.get $p) (local.get $plane2)) (f32x4.extract_lane 2 (local.get $f)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $pixel)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
        (br $rowLoop))))

  ;; OpenCV's 2× INTER_AREA shortcut (exact 2:1 on both axes): (a+b+c+d+2)>>2 per channel, then /255.
  ;; $mask puts the two horizontal neighbours' channels in lanes 0-3 and 4-7 (RGB: [0,1,2,·,3,4,5,·]).
  (func (export "area2xF32")
    (param $src i32) (param $stride i32) (param $step i32) (param $mask i32)
    (param $newW i32) (param $newH i32) (param $out i32) (param $pitch i32) (param $plane i32)
    (local $dy i32) (local $x i32) (local $r0 i32) (local $r1 i32) (local $o i32) (local $p i32) (local $plane2 i32)
    (local $m v128) (local $s v128) (local $f v128)
    (local.set $m (v128.load (local.get $mask)))
    (local.set $plane2 (i32.shl (local.get $plane) (i32.const 1)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $dy) (local.get $newH)))
        (local.set $r0 (i32.add (local.get $src) (i32.mul (i32.shl (local.get $dy) (i32.const 1)) (local.get $stride))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $dy) (local.get $pitch)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $rowDone
          (loop $pixel
            (br_if $rowDone (i32.ge_u (local.get $x) (local.get $newW)))
            ;; i16 lanes: [c0 c1 c2 c3 of pixel 2x, c0 c1 c2 c3 of pixel 2x+1], rows 0 and 1 summed
            (local.set $s (i16x8.add
              (i16x8.extend_low_i8x16_u (i8x16.swizzle (v128.load64_zero (local.get $r0)) (local.get $m)))
              (i16x8.extend_low_i8x16_u (i8x16.swizzle (v128.load64_zero (local.get $r1)) (local.get $m)))))
            (local.set $s (i16x8.add (local.get $s) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s) (local.get $s))))
            (local.set $f (f32x4.div
              (f32x4.convert_i32x4_s
                (i32x4.extend_low_i16x8_u (i16x8.shr_u (i16x8.add (local.get $s) (v128.const i16x8 2 2 2 2 2 2 2 2)) (i32.const 2))))
              (v128.const f32x4 255 255 255 255)))
            (local.set $p (i32.add (local.get $o) (i32.shl (local.get $x) (i32.const 2))))
            (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $f)))
            (f32.store (i32.add (local.get $p) (local.get $plane)) (f32x4.extract_lane 1 (local.get $f)))
            (f32.store (i32.add (local.get $p) (local.get $plane2)) (f32x4.extract_lane 2 (local.get $f)))
            (local.set $r0 (i32.add (local.get $r0) (local.get $step)))
            (local.set $r1 (i32.add (local.get $r1) (local.get $step)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $pixel)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
        (br $rowLoop))))
)
