// Fused 2D-ALiBi flash attention, forward: out = softmax(q·kᵀ·scale + m_h·M(i, j))·v. The shipped module: the
// measured winners only, one per input type (llm.c's layout: every other version, slower or never run on a GPU,
// is in ../../../dev/alibi_attention_dev.cu, with its measurements in ../../../dev/README.md).
//   alibi_attention_f32      fp32 inputs and output (CudaAttention.forward; Kernel.F32): the only fp32-input version
//   alibi_attention_bf16_v5  bf16 inputs and output (CudaAttention.launch(true, …); Kernel.BF16_PAIRED): the fastest
//                            measured on an H200 (24.8 ms at N = 5476, batch 64, 6 heads)
//
// M(i, j) = −dist(Δy, Δx) / maxDist between patch tokens (Euclidean or Manhattan, toroidal wrap optional),
// 0 when i or j is a prefix token (CLS, registers). The bias is computed in registers from the tokens'
// grid coordinates inside the tile loop: no N × N tensor exists anywhere.
//
// Layout: q, k, v, out are (B, H, N, D) contiguous, D = 64. Tensor cores through mma.sync.m16n8k16
// (bf16 × bf16 → fp32), FlashAttention-2's scheme: a CTA of 4 warps owns 64 queries (16 per warp), walks
// the keys in tiles of 64 staged in shared memory, keeps S, the running max/sum and O in registers (the
// accumulator layout of S is the A-operand layout of P·V, so P never leaves registers). Softmax in base 2.
// fp32 inputs are rounded to bf16 when staged (fp32 accumulation, fp32 output); bf16 inputs give bf16 output.
//
// Built by nvcc when present (the vit-cuda pom's nvcc profile) into src/main/resources/io/jvit/cuda: a fatbin
// (sm_90 machine code + compute_80 PTX) and the PTX alone as the fallback; loaded with cuModuleLoadData.

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#define D 64
#define BQ 64
#define BK 64
#define WARPS 4
#define PAD 8            // shared rows padded by 8 bf16 (16 bytes) against bank conflicts

struct AlibiParams {
    int n, prefix, gridH, gridW;
    int wrap, manhattan;
    float invMaxDist;    // 1 / largest grid distance (normalise), or 1
    float scaleLog2;     // log2(e) / sqrt(D)
};

__device__ __forceinline__ void mma_bf16(float c[4], const uint32_t a[4], const uint32_t b[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
}

__device__ __forceinline__ __nv_bfloat16 to_bf16(float x) { return __float2bfloat16_rn(x); }
__device__ __forceinline__ __nv_bfloat16 to_bf16(__nv_bfloat16 x) { return x; }
__device__ __forceinline__ void store_out(float* p, float x) { *p = x; }
__device__ __forceinline__ void store_out(__nv_bfloat16* p, float x) { *p = __float2bfloat16_rn(x); }

// M(i, j) · log2(e) for patch-or-prefix tokens i, j (already negative: −dist/maxDist).
__device__ __forceinline__ float alibi_m(int i, int j, const AlibiParams& p) {
    if (i < p.prefix || j < p.prefix) return 0.f;
    int a = i - p.prefix, b = j - p.prefix;
    int dy = abs(a / p.gridW - b / p.gridW), dx = abs(a % p.gridW - b % p.gridW);
    if (p.wrap) { dy = min(dy, p.gridH - dy); dx = min(dx, p.gridW - dx); }
    float d = p.manhattan ? (float)(dy + dx) : sqrtf((float)(dy * dy + dx * dx));
    return -d * p.invMaxDist * 1.4426950408889634f;
}

template <typename T>
__device__ void alibi_attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                T* __restrict__ out, const float* __restrict__ slopes, int heads, AlibiParams p) {
    __shared__ __align__(16) __nv_bfloat16 sQ[BQ][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sK[BK][D + PAD];    // [key][dim]
    __shared__ __align__(16) __nv_bfloat16 sVt[D][BK + PAD];   // [dim][key]: V transposed, so B-fragments are 32-bit loads

    const int bh = blockIdx.y, h = bh % heads, q0 = blockIdx.x * BQ;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
    const size_t base = (size_t)bh * p.n * D;
    const float slope = slopes ? slopes[h] : 0.f;
    const bool biased = slope != 0.f;

    for (int e = tid; e < BQ * D; e += WARPS * 32) {              // stage this CTA's queries
        int r = e / D, c = e % D, qi = q0 + r;
        sQ[r][c] = qi < p.n ? to_bf16(q[base + (size_t)qi * D + c]) : __float2bfloat16_rn(0.f);
    }
    __syncthreads();
    uint32_t qa[D / 16][4];                                     // this warp's 16 queries as A-fragments
    const int wr = warp * 16;
    for (int kc = 0; kc < D / 16; kc++) {
        qa[kc][0] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g][kc * 16 + t4 * 2]);
        qa[kc][1] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g + 8][kc * 16 + t4 * 2]);
        qa[kc][2] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g][kc * 16 + t4 * 2 + 8]);
        qa[kc][3] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g + 8][kc * 16 + t4 * 2 + 8]);
    }
    const int row0 = q0 + wr + g, row1 = row0 + 8;                // the two query rows this thread holds
    float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.f, l1 = 0.f;
    float o[D / 8][4];
    for (int t = 0; t < D / 8; t++) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.f;

    for (int k0 = 0; k0 < p.n; k0 += BK) {
        __syncthreads();                                          // previous tile fully used
        for (int e = tid; e < BK * D; e += WARPS * 32) {
            int r = e / D, c = e % D, kj = k0 + r;
            bool in = kj < p.n;
            sK[r][c] = in ? to_bf16(k[base + (size_t)kj * D + c]) : __float2bfloat16_rn(0.f);
            sVt[c][r] = in ? to_bf16(v[base + (size_t)kj * D + c]) : __float2bfloat16_rn(0.f);
        }
        __syncthreads();

        float s[BK / 8][4];                                       // S = Q·Kᵀ for 16 queries × 64 keys
        for (int nt = 0; nt < BK / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
            for (int kc = 0; kc < D / 16; kc++) {
                uint32_t b[2];
                b[0] = *reinterpret_cast<const uint32_t*>(&sK[nt * 8 + g][kc * 16 + t4 * 2]);
                b[1] = *reinterpret_cast<const uint32_t*>(&sK[nt * 8 + g][kc * 16 + t4 * 2 + 8]);
                mma_bf16(s[nt], qa[kc], b);
            }
        }
        float mx0 = m0, mx1 = m1;                                 // logits in base 2, bias, mask, row max
        for (int nt = 0; nt < BK / 8; nt++)
            for (int c = 0; c < 2; c++) {
                int kj = k0 + nt * 8 + t4 * 2 + c;
                float b0 = biased ? slope * alibi_m(row0, kj, p) : 0.f, b1 = biased ? slope * alibi_m(row1, kj, p) : 0.f;
                s[nt][c] = kj < p.n ? s[nt][c] * p.scaleLog2 + b0 : -INFINITY;
                s[nt][2 + c] = kj < p.n ? s[nt][2 + c] * p.scaleLog2 + b1 : -INFINITY;
                mx0 = fmaxf(mx0, s[nt][c]);
                mx1 = fmaxf(mx1, s[nt][2 + c]);
            }
        for (int off = 1; off < 4; off <<= 1) {                   // the 4 threads of a row hold its 64 keys
            mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffff, mx0, off));
            mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffff, mx1, off));
        }
        float c0 = exp2f(m0 - mx0), c1 = exp2f(m1 - mx1);        // rescale the running sum and output
        m0 = mx0; m1 = mx1;
        float sum0 = 0.f, sum1 = 0.f;
        for (int nt = 0; nt < BK / 8; nt++) {
            s[nt][0] = exp2f(s[nt][0] - m0); s[nt][1] = exp2f(s[nt][1] - m0);
            s[nt][2] = exp2f(s[nt][2] - m1); s[nt][3] = exp2f(s[nt][3] - m1);
            sum0 += s[nt][0] + s[nt][1];
            sum1 += s[nt][2] + s[nt][3];
        }
        l0 = l0 * c0 + sum0;                                      // per-thread partial sums, reduced at the end
        l1 = l1 * c1 + sum1;
        for (int t = 0; t < D / 8; t++) { o[t][0] *= c0; o[t][1] *= c0; o[t][2] *= c1; o[t][3] *= c1; }

        for (int kc = 0; kc < BK / 16; kc++) {                    // O += P·V; P's A-fragments straight from S
            uint32_t pa[4];
            pa[0] = pack_bf16(s[2 * kc][0], s[2 * kc][1]);
            pa[1] = pack_bf16(s[2 * kc][2], s[2 * kc][3]);
            pa[2] = pack_bf16(s[2 * kc + 1][0], s[2 * kc + 1][1]);
            pa[3] = pack_bf16(s[2 * kc + 1][2], s[2 * kc + 1][3]);
            for (int nt = 0; nt < D / 8; nt++) {
                uint32_t b[2];
                b[0] = *reinterpret_cast<const uint32_t*>(&sVt[nt * 8 + g][kc * 16 + t4 * 2]);
                b[1] = *reinterpret_cast<const uint32_t*>(&sVt[nt * 8 + g][kc * 16 + t4 * 2 + 8]);
                mma_bf16(o[nt], pa, b);
            }
        }
    }
    for (int off = 1; off < 4; off <<= 1) {
        l0 += __shfl_xor_sync(0xffffffff, l0, off);
        l1 += __shfl_xor_sync(0xffffffff, l1, off);
    }
    float inv0 = 1.f / l0, inv1 = 1.f / l1;
    for (int nt = 0; nt < D / 8; nt++)
        for (int c = 0; c < 2; c++) {
            int col = nt * 8 + t4 * 2 + c;
            if (row0 < p.n) store_out(&out[base + (size_t)row0 * D + col], o[nt][c] * inv0);
            if (row1 < p.n) store_out(&out[base + (size_t)row1 * D + col], o[nt][2 + c] * inv1);
        }
}

// grid (ceil(N / 64), B·H), block 128. slopes: H floats (null: no bias). The simple algorithm above on fp32 inputs
// (rounded to bf16 when staged), fp32 output.
extern "C" __global__ void __launch_bounds__(WARPS * 32)
alibi_attention_f32(const float* q, const float* k, const float* v, float* out, const float* slopes, int heads, AlibiParams p) {
    alibi_attention<float>(q, k, v, out, slopes, heads, p);
}

// ---------------------------------------------------------------------------------------------------
// Helpers of the pipelined kernels (v2 on, in dev/): cp.async 16-byte copies and ldmatrix.trans.

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
    uint32_t s = (uint32_t)__cvta_generic_to_shared(smem);
    int bytes = valid ? 16 : 0;                                   // 0: zero-fill, nothing read
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(s), "l"(gmem), "r"(bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cp_async_wait1() { asm volatile("cp.async.wait_group 1;\n" ::); }
__device__ __forceinline__ void cp_async_wait0() { asm volatile("cp.async.wait_group 0;\n" ::); }

// B-fragment (k = 16 keys × n = 8 dims) of V stored [key][dim]: rows addressed by lanes 0–15.
__device__ __forceinline__ void ldmatrix_x2_trans(uint32_t b[2], const void* row) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(row);
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0,%1}, [%2];\n" : "=r"(b[0]), "=r"(b[1]) : "r"(a));
}

// v5: v2 (dev/: the simple algorithm with the K/V tiles double-buffered through cp.async, zero-filled past N, V kept
// row-major and read with ldmatrix.trans, the ALiBi bias from per-tile key coordinates staged in shared memory)
// with both key coordinates of a thread's key pair in one 16-byte shared load (the bias otherwise adds half again
// as many shared loads as the tensor-core operands). Measured on an H200: 24.8 ms vs v2's 25.4 ms at N = 5476, the
// fastest; the default of CudaAttention.launch. grid (ceil(N / 64), B·H), block 128.
extern "C" __global__ void __launch_bounds__(WARPS * 32)
alibi_attention_bf16_v5(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                        const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                        const float* __restrict__ slopes, int heads, AlibiParams p) {
    __shared__ __align__(16) __nv_bfloat16 sQ[BQ][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sK[2][BK][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sV[2][BK][D + PAD];
    __shared__ __align__(16) float sKyx[2][BK][2];                // key grid coordinates (y, x) interleaved; y < 0: prefix token

    const int bh = blockIdx.y, h = bh % heads, q0 = blockIdx.x * BQ;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
    const size_t base = (size_t)bh * p.n * D;
    const float slope = slopes ? slopes[h] : 0.f;
    const bool biased = slope != 0.f;
    const float biasScale = -slope * p.invMaxDist * 1.4426950408889634f;

    auto load_tile = [&](int buf, int k0) {                       // 64 keys × 64 dims × 2 tensors, 16 B per copy
        for (int c = tid; c < BK * D / 8; c += WARPS * 32) {
            int r = c / (D / 8), col = (c % (D / 8)) * 8, kj = k0 + r;
            bool in = kj < p.n;
            size_t off = base + (size_t)(in ? kj : 0) * D + col;
            cp_async16(&sK[buf][r][col], k + off, in);
            cp_async16(&sV[buf][r][col], v + off, in);
        }
        if (tid < BK) {
            int kj = k0 + tid, b = kj - p.prefix;
            bool patch = kj < p.n && b >= 0;
            sKyx[buf][tid][0] = patch ? (float)(b / p.gridW) : -1.f;
            sKyx[buf][tid][1] = patch ? (float)(b % p.gridW) : 0.f;
        }
    };

    for (int c = tid; c < BQ * D / 8; c += WARPS * 32) {          // this CTA's queries
        int r = c / (D / 8), col = (c % (D / 8)) * 8, qi = q0 + r;
        cp_async16(&sQ[r][col], q + base + (size_t)(qi < p.n ? qi : 0) * D + col, qi < p.n);
    }
    load_tile(0, 0);
    cp_async_commit();

    const int wr = warp * 16, row0 = q0 + wr + g, row1 = row0 + 8;
    float y0 = -1.f, x0 = 0.f, y1 = -1.f, x1 = 0.f;                // the two rows' grid coordinates
    if (row0 >= p.prefix && row0 < p.n) { y0 = (float)((row0 - p.prefix) / p.gridW); x0 = (float)((row0 - p.prefix) % p.gridW); }
    if (row1 >= p.prefix && row1 < p.n) { y1 = (float)((row1 - p.prefix) / p.gridW); x1 = (float)((row1 - p.prefix) % p.gridW); }
    const float gh = (float)p.gridH, gw = (float)p.gridW;

    float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.f, l1 = 0.f;
    float o[D / 8][4];
    for (int t = 0; t < D / 8; t++) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.f;
    uint32_t qa[D / 16][4];

    const int tiles = (p.n + BK - 1) / BK;
    for (int t = 0; t < tiles; t++) {
        const int buf = t & 1, k0 = t * BK;
        if (t + 1 < tiles) { load_tile(buf ^ 1, k0 + BK); cp_async_commit(); cp_async_wait1(); }
        else cp_async_wait0();
        __syncthreads();
        if (t == 0)
            for (int kc = 0; kc < D / 16; kc++) {
                qa[kc][0] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g][kc * 16 + t4 * 2]);
                qa[kc][1] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g + 8][kc * 16 + t4 * 2]);
                qa[kc][2] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g][kc * 16 + t4 * 2 + 8]);
                qa[kc][3] = *reinterpret_cast<const uint32_t*>(&sQ[wr + g + 8][kc * 16 + t4 * 2 + 8]);
            }

        float s[BK / 8][4];
        for (int nt = 0; nt < BK / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
            for (int kc = 0; kc < D / 16; kc++) {
                uint32_t b[2];
                b[0] = *reinterpret_cast<const uint32_t*>(&sK[buf][nt * 8 + g][kc * 16 + t4 * 2]);
                b[1] = *reinterpret_cast<const uint32_t*>(&sK[buf][nt * 8 + g][kc * 16 + t4 * 2 + 8]);
                mma_bf16(s[nt], qa[kc], b);
            }
        }
        float mx0 = m0, mx1 = m1;
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++) {
            // both keys of this thread in this n-tile in one 16-byte shared load: (y, x) of key 2·t4 and 2·t4 + 1
            float4 kk = *reinterpret_cast<const float4*>(&sKyx[buf][nt * 8 + t4 * 2][0]);
#pragma unroll
            for (int c = 0; c < 2; c++) {
                int kj = k0 + nt * 8 + t4 * 2 + c;
                float ky = c == 0 ? kk.x : kk.z, kx = c == 0 ? kk.y : kk.w;
                float b0 = 0.f, b1 = 0.f;
                if (biased && ky >= 0.f) {
                    float dy0 = fabsf(y0 - ky), dx0 = fabsf(x0 - kx), dy1 = fabsf(y1 - ky), dx1 = fabsf(x1 - kx);
                    if (p.wrap) { dy0 = fminf(dy0, gh - dy0); dx0 = fminf(dx0, gw - dx0); dy1 = fminf(dy1, gh - dy1); dx1 = fminf(dx1, gw - dx1); }
                    if (y0 >= 0.f) b0 = biasScale * (p.manhattan ? dy0 + dx0 : sqrtf(dy0 * dy0 + dx0 * dx0));
                    if (y1 >= 0.f) b1 = biasScale * (p.manhattan ? dy1 + dx1 : sqrtf(dy1 * dy1 + dx1 * dx1));
                }
                s[nt][c] = kj < p.n ? s[nt][c] * p.scaleLog2 + b0 : -INFINITY;
                s[nt][2 + c] = kj < p.n ? s[nt][2 + c] * p.scaleLog2 + b1 : -INFINITY;
                mx0 = fmaxf(mx0, s[nt][c]);
                mx1 = fmaxf(mx1, s[nt][2 + c]);
            }
        }
        for (int off = 1; off < 4; off <<= 1) {
            mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffff, mx0, off));
            mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffff, mx1, off));
        }
        float c0 = exp2f(m0 - mx0), c1 = exp2f(m1 - mx1);
        m0 = mx0; m1 = mx1;
        float sum0 = 0.f, sum1 = 0.f;
        for (int nt = 0; nt < BK / 8; nt++) {
            s[nt][0] = exp2f(s[nt][0] - m0); s[nt][1] = exp2f(s[nt][1] - m0);
            s[nt][2] = exp2f(s[nt][2] - m1); s[nt][3] = exp2f(s[nt][3] - m1);
            sum0 += s[nt][0] + s[nt][1];
            sum1 += s[nt][2] + s[nt][3];
        }
        l0 = l0 * c0 + sum0;
        l1 = l1 * c1 + sum1;
        for (int nt = 0; nt < D / 8; nt++) { o[nt][0] *= c0; o[nt][1] *= c0; o[nt][2] *= c1; o[nt][3] *= c1; }
        for (int kc = 0; kc < BK / 16; kc++) {
            uint32_t pa[4];
            pa[0] = pack_bf16(s[2 * kc][0], s[2 * kc][1]);
            pa[1] = pack_bf16(s[2 * kc][2], s[2 * kc][3]);
            pa[2] = pack_bf16(s[2 * kc + 1][0], s[2 * kc + 1][1]);
            pa[3] = pack_bf16(s[2 * kc + 1][2], s[2 * kc + 1][3]);
            for (int nt = 0; nt < D / 8; nt++) {
                uint32_t b[2];
                ldmatrix_x2_trans(b, &sV[buf][kc * 16 + (lane & 15)][nt * 8]);
                mma_bf16(o[nt], pa, b);
            }
        }
        __syncthreads();                                          // buffer `buf` is refilled two tiles later
    }
    for (int off = 1; off < 4; off <<= 1) {
        l0 += __shfl_xor_sync(0xffffffff, l0, off);
        l1 += __shfl_xor_sync(0xffffffff, l1, off);
    }
    float inv0 = 1.f / l0, inv1 = 1.f / l1;
    for (int nt = 0; nt < D / 8; nt++) {
        int col = nt * 8 + t4 * 2;
        if (row0 < p.n) *reinterpret_cast<__nv_bfloat162*>(&out[base + (size_t)row0 * D + col]) = __floats2bfloat162_rn(o[nt][0] * inv0, o[nt][1] * inv0);
        if (row1 < p.n) *reinterpret_cast<__nv_bfloat162*>(&out[base + (size_t)row1 * D + col]) = __floats2bfloat162_rn(o[nt][2] * inv1, o[nt][3] * inv1);
    }
}
