/*
 * What the CPU running the library offers the kernels, read once at run
 * time: a library installed on one machine runs on others, so no kernel
 * assumes an instruction set or a register file.
 */
#ifndef GR_KERNELS_CPU_H
#define GR_KERNELS_CPU_H

/* The x86-64 micro-architecture level the CPU reaches: 4 (AVX-512F, BW,
 * DQ, VL), 3 (AVX2 and FMA), or 0 (below those, or not x86-64). */
int gr_cpu_level(void);

/*
 * Whether register blocks of 4 rows by up to 5 gr_v16 (20 accumulators
 * and the loaded vectors) stay in registers: true with AVX-512's 32
 * registers of 16 floats.  With AVX2 (16 registers of 8 floats) a gr_v16
 * takes two registers, and such a block spills to the stack on every
 * multiply-add; the kernels then take blocks of one gr_v16 per row
 * (8 registers of accumulators), column panel after column panel.
 */
int gr_simd_wide(void);

/*
 * Whether the full-softmax products (a block of users against every item,
 * gemm_bf16.h) are faster in bfloat16 than in float on this CPU: what the
 * fast schedule's `precision` auto takes.  Not on Intel CPUs without AMX:
 * there the bfloat16 dot product (vdpbf16ps) issues no faster than float
 * multiply-adds, and the bfloat16 products measured slower at every
 * thread count, packing included or not (docs/training.md, "bfloat16 or
 * float, by CPU"); on the AMD EPYC machines measured they take half the
 * time, and on Intel CPUs with AMX the tile units (gemm_amx.h) take a
 * third to a fifth of the float products' time.
 */
int gr_cpu_bf16_pays(void);

/* Tests only: make gr_simd_wide() answer wide (1) or narrow (0) whatever
 * the CPU, or read the CPU again (-1).  Both kinds of kernel run on every
 * x86-64 CPU (the wide ones slowly without AVX-512), so either path can be
 * checked anywhere.  Not thread-safe: set it before a kernel runs. */
void gr_simd_set_wide(int wide);

/* Tests only: cap gr_cpu_level() at max (a lower level's kernels run on a
 * higher level's CPU, not the other way), or lift the cap (-1). */
void gr_cpu_set_max_level(int max);

#endif
