import SqueezeBERTMatmul

// `Matmul` on 16-lane vectors, compiled with AVX-512F (Package.swift): SIMD16<Float> is one zmm
// register and each fused multiply-add one vfmadd231ps on it. Only called where
// `InstructionSet.fastest` is .avx512; this module holds nothing else, so no AVX-512 instruction
// can reach a CPU without it. Keep it that way: nothing here may be instantiated on SIMD8 or
// other types the AVX2 path uses, since the linker keeps one copy of identical specialisations
// across modules and could hand this module's AVX-512 copy to the AVX2 path (checked with
// `nm`: its object files define only SIMD16 specialisations and `matmulAVX512`).

/// `Matmul.run` on AVX-512 for a matrix packed with `.avx512`.
public func matmulAVX512(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, matrix: PackedMatrix, rows M: Int,
    epilogue: Epilogue, tasks: Range<Int>?
) {
    Matmul.run(SIMD16<Float>.self, out: out, inp: inp, matrix: matrix, rows: M, epilogue: epilogue, tasks: tasks)
}
