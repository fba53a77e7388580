;; Pillow's ImagingResample passes (bilinear, 22-bit fixed-point weights, 8-bit intermediate), as
;; pilBilinear.ts, with the three colour channels of a pixel in one i32x4: per tap one 4-byte load, one
;; multiply and one add. Compiled by scripts/build-wasm-kernels.mjs into pilResampleWasm.ts.
;;
;; One function serves both passes (everything inline: V8 does not inline small wasm calls here, and the
;; calls cost more than the arithmetic). Output pixel (line l, position p) reads `count` taps from
;;   $src + l·$lineStride + p·$posStride + tab[e].offset, $tapStep bytes apart, weights w[e·ksize …],
;; where table entry e = p (horizontal pass: $perPos = 1) or l (vertical pass: $perPos = 0); $tab holds an
;; i32 pair [byte offset, tap count] per entry. It writes 4-byte pixels at $dst + 4(l·P + p) (intermediate,
;; $lut = 0) or the float32 tensor: element c of pixel i at $dst + c·$plane + 4i, value f32 $lut[256c + v].
;; Sources need 1 readable byte past their last pixel (a 3-byte pixel is read with a 4-byte load).
(module
  (memory (export "memory") 1)
  (func (export "pass")
    (param $src i32) (param $lineStride i32) (param $posStride i32) (param $tapStep i32)
    (param $lines i32) (param $positions i32) (param $perPos i32)
    (param $tab i32) (param $w i32) (param $ksize i32) (param $dst i32) (param $lut i32) (param $plane i32)
    (local $l i32) (local $p i32) (local $e i32) (local $t i32) (local $q i32) (local $k i32) (local $cnt i32)
    (local $wp i32) (local $o i32) (local $acc v128) (local $v v128)
    (block $done
      (loop $lineLoop
        (br_if $done (i32.ge_u (local.get $l) (local.get $lines)))
        (local.set $p (i32.const 0))
        (block $lineDone
          (loop $posLoop
            (br_if $lineDone (i32.ge_u (local.get $p) (local.get $positions)))
            (local.set $e (select (local.get $p) (local.get $l) (local.get $perPos)))
            (local.set $t (i32.add (local.get $tab) (i32.shl (local.get $e) (i32.const 3))))
            (local.set $q (i32.add
              (i32.add (local.get $src) (i32.load (local.get $t)))
              (i32.add (i32.mul (local.get $l) (local.get $lineStride)) (i32.mul (local.get $p) (local.get $posStride)))))
            (local.set $cnt (i32.load offset=4 (local.get $t)))
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $e) (local.get $ksize)) (i32.const 2))))
            (local.set $acc (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $k (i32.const 0))
            (block $tapsDone
              (loop $tap
                (br_if $tapsDone (i32.ge_u (local.get $k) (local.get $cnt)))
                (local.set $acc (i32x4.add (local.get $acc)
                  (i32x4.mul
                    (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $q))))
                    (i32x4.splat (i32.load (local.get $wp))))))
                (local.set $q (i32.add (local.get $q) (local.get $tapStep)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tap)))
            ;; clip8(acc >> 22) per lane
            (local.set $v (i32x4.min_s
              (i32x4.max_s (i32x4.shr_s (local.get $acc) (i32.const 22)) (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 255 255 255 255)))
            (local.set $o (i32.add (local.get $dst)
              (i32.shl (i32.add (i32.mul (local.get $l) (local.get $positions)) (local.get $p)) (i32.const 2))))
            (if (i32.eqz (local.get $lut))
              (then
                (v128.store32_lane 0 (local.get $o)
                  (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_u (local.get $v) (local.get $v)) (v128.const i32x4 0 0 0 0))))
              (else
                (f32.store (local.get $o)
                  (f32.load (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 0 (local.get $v)) (i32.const 2)))))
                (f32.store (i32.add (local.get $o) (local.get $plane))
                  (f32.load offset=1024 (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 1 (local.get $v)) (i32.const 2)))))
                (f32.store (i32.add (local.get $o) (i32.shl (local.get $plane) (i32.const 1)))
                  (f32.load offset=2048 (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 2 (local.get $v)) (i32.const 2)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $posLoop)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $lineLoop)))))
