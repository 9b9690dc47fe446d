// The versions of the fused 2D-ALiBi attention kernel that do not ship (llm.c's dev/cuda layout): measured slower
// than the shipped winners on an H200, or never run on a GPU. README.md beside this file has the index table.
//
// The shipped kernels (alibi_attention_f32, alibi_attention_bf16_v5) and their helpers come from the included file,
// so one module built from this file holds every version side by side, the winners included, for the dev check
// (DevKernelsTest). Built by vit-cuda's nvcc profile into target/alibi_attention_dev.ptx (never into the jar):
//   nvcc -ptx -arch=compute_80 -O3 --use_fast_math -o ../target/alibi_attention_dev.ptx alibi_attention_dev.cu
//
// Names: version vN (suffix letters: h fp16 table, f fp32 table, a digit after it: launch-bounds variant or warps),
// entry point alibi_attention_bf16_<version>; DevAttention.Kernel (dev/java) names each by its version.

#include "../src/main/cuda/alibi_attention.cu"

// v1, bf16: the simple algorithm of alibi_attention_f32 on bf16 inputs (bf16 output). Measured on an H200: 84.7 ms at
// N = 5476, 3.4× slower than v5.
extern "C" __global__ void __launch_bounds__(WARPS * 32)
alibi_attention_bf16_v1(const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, __nv_bfloat16* out,
                        const float* slopes, int heads, AlibiParams p) {
    alibi_attention<__nv_bfloat16>(q, k, v, out, slopes, heads, p);
}

// ---------------------------------------------------------------------------------------------------
// v2, bf16 only: the same algorithm with the K/V tiles double-buffered through cp.async (16-byte copies,
// zero-filled past N, the next tile in flight while this one is used), V kept row-major and read with
// ldmatrix.trans, and the ALiBi bias from per-tile key coordinates staged in shared memory (one division
// per key per tile instead of two per score). Measured on an H200: 25.4 ms at N = 5476 (v5, which ships, is v2
// with paired key-coordinate loads: 24.8 ms). Its helpers (cp_async16, ldmatrix_x2_trans) are in the shipped file.
extern "C" __global__ void __launch_bounds__(WARPS * 32)
alibi_attention_bf16_v2(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                        const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                        const float* __restrict__ slopes, int heads, AlibiParams p) {
    __shared__ __align__(16) __nv_bfloat16 sQ[BQ][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sK[2][BK][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sV[2][BK][D + PAD];
    __shared__ float sKy[2][BK], sKx[2][BK];                      // key grid coordinates; y < 0: prefix token

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
            sKy[buf][tid] = patch ? (float)(b / p.gridW) : -1.f;
            sKx[buf][tid] = patch ? (float)(b % p.gridW) : 0.f;
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
        for (int nt = 0; nt < BK / 8; nt++)
            for (int c = 0; c < 2; c++) {
                int jj = nt * 8 + t4 * 2 + c, kj = k0 + jj;
                float b0 = 0.f, b1 = 0.f;
                float ky = sKy[buf][jj];
                if (biased && ky >= 0.f) {
                    float kx = sKx[buf][jj];
                    if (y0 >= 0.f) {
                        float dy = fabsf(y0 - ky), dx = fabsf(x0 - kx);
                        if (p.wrap) { dy = fminf(dy, gh - dy); dx = fminf(dx, gw - dx); }
                        b0 = biasScale * (p.manhattan ? dy + dx : sqrtf(dy * dy + dx * dx));
                    }
                    if (y1 >= 0.f) {
                        float dy = fabsf(y1 - ky), dx = fabsf(x1 - kx);
                        if (p.wrap) { dy = fminf(dy, gh - dy); dx = fminf(dx, gw - dx); }
                        b1 = biasScale * (p.manhattan ? dy + dx : sqrtf(dy * dy + dx * dx));
                    }
                }
                s[nt][c] = kj < p.n ? s[nt][c] * p.scaleLog2 + b0 : -INFINITY;
                s[nt][2 + c] = kj < p.n ? s[nt][2 + c] * p.scaleLog2 + b1 : -INFINITY;
                mx0 = fmaxf(mx0, s[nt][c]);
                mx1 = fmaxf(mx1, s[nt][2 + c]);
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

// v3: v2 with the bias from a per-CTA table of m_h·√d² (no sqrt per score) and Q fragments read from global.
// Measured on an H200: slower than v2 (27.1 vs 25.6 ms at N = 5476): the table lookups conflict in shared-memory banks.
#define TABLE 2816
extern "C" __global__ void __launch_bounds__(WARPS * 32)
alibi_attention_bf16_v3(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                        const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                        const float* __restrict__ slopes, int heads, AlibiParams p) {
    __shared__ float sTab[TABLE];                                 // bias by squared distance: −m_h·√d²/max·log2e
    __shared__ __align__(16) __nv_bfloat16 sK[2][BK][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sV[2][BK][D + PAD];
    __shared__ float sKy[2][BK], sKx[2][BK];                      // key grid coordinates; y < 0: prefix token

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
            sKy[buf][tid] = patch ? (float)(b / p.gridW) : -1.f;
            sKx[buf][tid] = patch ? (float)(b % p.gridW) : 0.f;
        }
    };

    // squared wrapped distances are integers ≤ maxD2: one table lookup replaces a sqrt per score
    const int maxD2 = p.wrap ? (p.gridH / 2) * (p.gridH / 2) + (p.gridW / 2) * (p.gridW / 2)
                             : (p.gridH - 1) * (p.gridH - 1) + (p.gridW - 1) * (p.gridW - 1);
    const bool table = biased && !p.manhattan && maxD2 < TABLE;
    if (table)
        for (int d2 = tid; d2 <= maxD2; d2 += WARPS * 32) sTab[d2] = biasScale * sqrtf((float)d2);
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
    uint32_t qa[D / 16][4];                                     // A-fragments read once from global memory
    {
        const uint32_t* q0p = reinterpret_cast<const uint32_t*>(q + base + (size_t)min(row0, p.n - 1) * D);
        const uint32_t* q1p = reinterpret_cast<const uint32_t*>(q + base + (size_t)min(row1, p.n - 1) * D);
        for (int kc = 0; kc < D / 16; kc++) {
            qa[kc][0] = q0p[(kc * 16 + t4 * 2) / 2];
            qa[kc][1] = q1p[(kc * 16 + t4 * 2) / 2];
            qa[kc][2] = q0p[(kc * 16 + t4 * 2 + 8) / 2];
            qa[kc][3] = q1p[(kc * 16 + t4 * 2 + 8) / 2];
        }
    }

    const int tiles = (p.n + BK - 1) / BK;
    for (int t = 0; t < tiles; t++) {
        const int buf = t & 1, k0 = t * BK;
        if (t + 1 < tiles) { load_tile(buf ^ 1, k0 + BK); cp_async_commit(); cp_async_wait1(); }
        else cp_async_wait0();
        __syncthreads();

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
        for (int nt = 0; nt < BK / 8; nt++)
            for (int c = 0; c < 2; c++) {
                int jj = nt * 8 + t4 * 2 + c, kj = k0 + jj;
                float b0 = 0.f, b1 = 0.f;
                if (biased) {
                    float ky = sKy[buf][jj], kx = sKx[buf][jj];
                    float dy0 = fabsf(y0 - ky), dx0 = fabsf(x0 - kx), dy1 = fabsf(y1 - ky), dx1 = fabsf(x1 - kx);
                    if (p.wrap) {
                        dy0 = fminf(dy0, gh - dy0); dx0 = fminf(dx0, gw - dx0);
                        dy1 = fminf(dy1, gh - dy1); dx1 = fminf(dx1, gw - dx1);
                    }
                    bool k_patch = ky >= 0.f;
                    if (table) {                                  // prefix rows or keys read entry 0 (= 0)
                        int i0 = (k_patch && y0 >= 0.f) ? (int)fmaf(dy0, dy0, dx0 * dx0) : 0;
                        int i1 = (k_patch && y1 >= 0.f) ? (int)fmaf(dy1, dy1, dx1 * dx1) : 0;
                        b0 = sTab[i0];
                        b1 = sTab[i1];
                    } else if (k_patch) {
                        if (y0 >= 0.f) b0 = biasScale * (p.manhattan ? dy0 + dx0 : sqrtf(dy0 * dy0 + dx0 * dx0));
                        if (y1 >= 0.f) b1 = biasScale * (p.manhattan ? dy1 + dx1 : sqrtf(dy1 * dy1 + dx1 * dx1));
                    }
                }
                s[nt][c] = kj < p.n ? s[nt][c] * p.scaleLog2 + b0 : -INFINITY;
                s[nt][2 + c] = kj < p.n ? s[nt][2 + c] * p.scaleLog2 + b1 : -INFINITY;
                mx0 = fmaxf(mx0, s[nt][c]);
                mx1 = fmaxf(mx1, s[nt][2 + c]);
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

// v4: v2 with 32 query rows per warp (two m16 tiles; CTA = 128 queries): every K and V fragment read from
// shared memory feeds two tensor-core products, as FlashAttention-2 tiles it. Measured on an H200: slower than
// v2 (35.5 vs 25.6 ms at N = 5476): 254 registers halve the resident warps and the per-score bias work doubles
// per thread. Kept, checked and timed beside the others.
#define BQ4 128
extern "C" __global__ void __launch_bounds__(WARPS * 32)
alibi_attention_bf16_v4(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                        const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                        const float* __restrict__ slopes, int heads, AlibiParams p) {
    __shared__ __align__(16) __nv_bfloat16 sK[2][BK][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sV[2][BK][D + PAD];
    __shared__ float sKy[2][BK], sKx[2][BK];

    const int bh = blockIdx.y, h = bh % heads, q0 = blockIdx.x * BQ4;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
    const size_t base = (size_t)bh * p.n * D;
    const float slope = slopes ? slopes[h] : 0.f;
    const bool biased = slope != 0.f;
    const float biasScale = -slope * p.invMaxDist * 1.4426950408889634f;
    const float gh = (float)p.gridH, gw = (float)p.gridW;

    auto load_tile = [&](int buf, int k0) {
        #pragma unroll
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
            sKy[buf][tid] = patch ? (float)(b / p.gridW) : -1.f;
            sKx[buf][tid] = patch ? (float)(b % p.gridW) : 0.f;
        }
    };
    load_tile(0, 0);
    cp_async_commit();

    int row[2][2];                                                 // [m-tile][upper/lower half]
    float ry[2][2], rx[2][2];
    uint32_t qa[2][D / 16][4];
    #pragma unroll
    for (int mt = 0; mt < 2; mt++) {
        #pragma unroll
        for (int hf = 0; hf < 2; hf++) {
            int r = q0 + warp * 32 + mt * 16 + g + hf * 8;
            row[mt][hf] = r;
            bool patch = r >= p.prefix && r < p.n;
            ry[mt][hf] = patch ? (float)((r - p.prefix) / p.gridW) : -1.f;
            rx[mt][hf] = patch ? (float)((r - p.prefix) % p.gridW) : 0.f;
        }
        const uint32_t* a0 = reinterpret_cast<const uint32_t*>(q + base + (size_t)min(row[mt][0], p.n - 1) * D);
        const uint32_t* a1 = reinterpret_cast<const uint32_t*>(q + base + (size_t)min(row[mt][1], p.n - 1) * D);
        #pragma unroll
        for (int kc = 0; kc < D / 16; kc++) {
            qa[mt][kc][0] = a0[(kc * 16 + t4 * 2) / 2];
            qa[mt][kc][1] = a1[(kc * 16 + t4 * 2) / 2];
            qa[mt][kc][2] = a0[(kc * 16 + t4 * 2 + 8) / 2];
            qa[mt][kc][3] = a1[(kc * 16 + t4 * 2 + 8) / 2];
        }
    }
    float m[2][2], l[2][2], o[2][D / 8][4];
    #pragma unroll
    for (int mt = 0; mt < 2; mt++) {
        m[mt][0] = m[mt][1] = -INFINITY;
        l[mt][0] = l[mt][1] = 0.f;
        _Pragma("unroll") for (int t = 0; t < D / 8; t++) o[mt][t][0] = o[mt][t][1] = o[mt][t][2] = o[mt][t][3] = 0.f;
    }

    const int tiles = (p.n + BK - 1) / BK;
    for (int t = 0; t < tiles; t++) {
        const int buf = t & 1, k0 = t * BK;
        if (t + 1 < tiles) { load_tile(buf ^ 1, k0 + BK); cp_async_commit(); cp_async_wait1(); }
        else cp_async_wait0();
        __syncthreads();

        float s[2][BK / 8][4];
        #pragma unroll
        for (int nt = 0; nt < BK / 8; nt++) {
            #pragma unroll
            for (int mt = 0; mt < 2; mt++) s[mt][nt][0] = s[mt][nt][1] = s[mt][nt][2] = s[mt][nt][3] = 0.f;
            #pragma unroll
            for (int kc = 0; kc < D / 16; kc++) {
                uint32_t b[2];
                b[0] = *reinterpret_cast<const uint32_t*>(&sK[buf][nt * 8 + g][kc * 16 + t4 * 2]);
                b[1] = *reinterpret_cast<const uint32_t*>(&sK[buf][nt * 8 + g][kc * 16 + t4 * 2 + 8]);
                mma_bf16(s[0][nt], qa[0][kc], b);
                mma_bf16(s[1][nt], qa[1][kc], b);
            }
        }
        #pragma unroll
        for (int mt = 0; mt < 2; mt++) {
            float mx0 = m[mt][0], mx1 = m[mt][1];
            #pragma unroll
            for (int nt = 0; nt < BK / 8; nt++)
                #pragma unroll
                for (int c = 0; c < 2; c++) {
                    int jj = nt * 8 + t4 * 2 + c, kj = k0 + jj;
                    float b0 = 0.f, b1 = 0.f;
                    float ky = sKy[buf][jj];
                    if (biased && ky >= 0.f) {
                        float kx = sKx[buf][jj];
                        float dy0 = fabsf(ry[mt][0] - ky), dx0 = fabsf(rx[mt][0] - kx), dy1 = fabsf(ry[mt][1] - ky), dx1 = fabsf(rx[mt][1] - kx);
                        if (p.wrap) { dy0 = fminf(dy0, gh - dy0); dx0 = fminf(dx0, gw - dx0); dy1 = fminf(dy1, gh - dy1); dx1 = fminf(dx1, gw - dx1); }
                        if (ry[mt][0] >= 0.f) b0 = biasScale * (p.manhattan ? dy0 + dx0 : sqrtf(dy0 * dy0 + dx0 * dx0));
                        if (ry[mt][1] >= 0.f) b1 = biasScale * (p.manhattan ? dy1 + dx1 : sqrtf(dy1 * dy1 + dx1 * dx1));
                    }
                    s[mt][nt][c] = kj < p.n ? s[mt][nt][c] * p.scaleLog2 + b0 : -INFINITY;
                    s[mt][nt][2 + c] = kj < p.n ? s[mt][nt][2 + c] * p.scaleLog2 + b1 : -INFINITY;
                    mx0 = fmaxf(mx0, s[mt][nt][c]);
                    mx1 = fmaxf(mx1, s[mt][nt][2 + c]);
                }
            #pragma unroll
            for (int off = 1; off < 4; off <<= 1) {
                mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffff, mx0, off));
                mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffff, mx1, off));
            }
            float c0 = exp2f(m[mt][0] - mx0), c1 = exp2f(m[mt][1] - mx1);
            m[mt][0] = mx0; m[mt][1] = mx1;
            float sum0 = 0.f, sum1 = 0.f;
            #pragma unroll
            for (int nt = 0; nt < BK / 8; nt++) {
                s[mt][nt][0] = exp2f(s[mt][nt][0] - mx0); s[mt][nt][1] = exp2f(s[mt][nt][1] - mx0);
                s[mt][nt][2] = exp2f(s[mt][nt][2] - mx1); s[mt][nt][3] = exp2f(s[mt][nt][3] - mx1);
                sum0 += s[mt][nt][0] + s[mt][nt][1];
                sum1 += s[mt][nt][2] + s[mt][nt][3];
            }
            l[mt][0] = l[mt][0] * c0 + sum0;
            l[mt][1] = l[mt][1] * c1 + sum1;
            #pragma unroll
            for (int nt = 0; nt < D / 8; nt++) { o[mt][nt][0] *= c0; o[mt][nt][1] *= c0; o[mt][nt][2] *= c1; o[mt][nt][3] *= c1; }
        }
        #pragma unroll
        for (int kc = 0; kc < BK / 16; kc++) {
            uint32_t pa[2][4];
            #pragma unroll
            for (int mt = 0; mt < 2; mt++) {
                pa[mt][0] = pack_bf16(s[mt][2 * kc][0], s[mt][2 * kc][1]);
                pa[mt][1] = pack_bf16(s[mt][2 * kc][2], s[mt][2 * kc][3]);
                pa[mt][2] = pack_bf16(s[mt][2 * kc + 1][0], s[mt][2 * kc + 1][1]);
                pa[mt][3] = pack_bf16(s[mt][2 * kc + 1][2], s[mt][2 * kc + 1][3]);
            }
            #pragma unroll
            for (int nt = 0; nt < D / 8; nt++) {
                uint32_t b[2];
                ldmatrix_x2_trans(b, &sV[buf][kc * 16 + (lane & 15)][nt * 8]);
                mma_bf16(o[0][nt], pa[0], b);
                mma_bf16(o[1][nt], pa[1], b);
            }
        }
        __syncthreads();
    }
    #pragma unroll
    for (int mt = 0; mt < 2; mt++) {
        float l0 = l[mt][0], l1 = l[mt][1];
        #pragma unroll
        for (int off = 1; off < 4; off <<= 1) {
            l0 += __shfl_xor_sync(0xffffffff, l0, off);
            l1 += __shfl_xor_sync(0xffffffff, l1, off);
        }
        float inv0 = 1.f / l0, inv1 = 1.f / l1;
        #pragma unroll
        for (int nt = 0; nt < D / 8; nt++) {
            int col = nt * 8 + t4 * 2;
            if (row[mt][0] < p.n) *reinterpret_cast<__nv_bfloat162*>(&out[base + (size_t)row[mt][0] * D + col]) = __floats2bfloat162_rn(o[mt][nt][0] * inv0, o[mt][nt][1] * inv0);
            if (row[mt][1] < p.n) *reinterpret_cast<__nv_bfloat162*>(&out[base + (size_t)row[mt][1] * D + col]) = __floats2bfloat162_rn(o[mt][nt][2] * inv1, o[mt][nt][3] * inv1);
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// v6 and v7, the window kernels: never run on a GPU (no device was lent to the sessions that wrote them); checked
// only by compiling (ptxas) and by the CPU models in dev/java (AlibiTableTest, PipelineProtocolTest).
//
// v6: v5 with the bias read, not computed. Every per-score instruction counts here: d = 64 gives the tensor
// cores only 256 FLOPs per score, and v5 spends about ten instructions per score on the bias (two
// subtractions, the wrap, the squares, a sqrt, the slope) beside the eight of the softmax; without bias v5
// is 1.8× faster. M is translation invariant on the torus, so one table per head, T[dy + H − 1][dx + W − 1]
// = m_h·M(dy, dx)·log2e for dy ∈ (−H, H), dx ∈ (−W, W), holds every bias (built on the host: AlibiTable).
// A CTA's 64 queries span at most `span` + 1 grid rows, so the rows it can reach form a window of H + span
// table rows (≈ 2·H·W entries), copied into shared memory once per CTA. The bias of (query i, key j) is
// then window[qOff(i) + kOff(j)], byte offsets precomputed per row and per key: one integer add and one
// bank-conflict-free shared load per score (neighbouring lanes read neighbouring entries). Two pads after the
// window, (span + 1) rows each, hold 0 and −∞: prefix keys point into the first, keys past N into the second,
// so every key tile takes the same branch-free path. The CTA that holds prefix queries (at most one) and
// launches without a table or bias take v5's computed path.
// Also: K and V B-fragments by ldmatrix.x4 (one instruction per two mma, was one per mma or two 32-bit
// loads), Q A-fragments straight from global memory (no Q staging in shared memory).
// The table is fp16 (half the shared memory: 24 KB at 74 × 74, three CTAs per SM) or fp32 (no conversion).

struct TableParams {
    int stride;          // entries per table row: 2W − 1 rounded up to 8 (16-byte rows)
    int rowsPerHead;     // 2H − 1 + span: the last window of a head stays inside its block
    int windowRows;      // H + span, copied from the table; then 2·(span + 1) pad rows (0, then −∞)
    int padRows;         // span + 1
};

__device__ __forceinline__ float tab_f32(float x) { return x; }
__device__ __forceinline__ float tab_f32(__half x) { return __half2float(x); }
template <typename TabT> __device__ __forceinline__ TabT tab_from(float x);
template <> __device__ __forceinline__ float tab_from<float>(float x) { return x; }
template <> __device__ __forceinline__ __half tab_from<__half>(float x) { return __float2half_rn(x); }

// Four 8×8 b16 matrices; lanes 8m … 8m + 7 give the row addresses of matrix m.
__device__ __forceinline__ void ldmatrix_x4(uint32_t r[4], const void* row) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(row);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t r[4], const void* row) {
    uint32_t a = (uint32_t)__cvta_generic_to_shared(row);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}

enum { SCORES_PLAIN, SCORES_TABLE, SCORES_COMPUTED };

// One warp's 16 query rows (two per thread) against one staged key tile: S = Q·Kᵀ, the bias, the online
// softmax, O += P·V. MODE picks how the bias is formed.
struct WindowWarp {
    uint32_t qa[D / 16][4];            // Q A-fragments
    float o[D / 8][4];                 // output accumulator
    float m0, m1, l0, l1;              // running max and sum of the two rows
    float y0, x0, y1, x1;              // grid coordinates of the rows (computed path; y < 0: prefix or past N)
    int qOff0, qOff1;                  // byte offsets of the rows in the window (table path)

    template <int MODE, typename TabT>
    __device__ __forceinline__ void tile(const __nv_bfloat16 (*sK)[D + PAD], const __nv_bfloat16 (*sV)[D + PAD],
                                         const float (*sKyx)[2], const int* sKoff, const unsigned char* sWin,
                                         int k0, int lane, const AlibiParams& p, bool biased, float biasScale) {
        float s[BK / 8][4];
        scores(sK, s, lane);
        softmax_pv<MODE, TabT>(s, sV, sKyx, sKoff, sWin, k0, lane, p, biased, biasScale);
    }

    // S = Q·Kᵀ against one staged key tile, raw (neither scaled nor biased).
    __device__ __forceinline__ void scores(const __nv_bfloat16 (*sK)[D + PAD], float (&s)[BK / 8][4], int lane) {
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++) {
            s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
#pragma unroll
            for (int kp = 0; kp < D / 32; kp++) {                 // k-chunks 2·kp and 2·kp + 1 in one ldmatrix.x4
                uint32_t b[4];
                ldmatrix_x4(b, &sK[nt * 8 + (lane & 7)][(kp * 2 + (lane >> 4)) * 16 + ((lane >> 3) & 1) * 8]);
                mma_bf16(s[nt], qa[2 * kp], b);
                mma_bf16(s[nt], qa[2 * kp + 1], b + 2);
            }
        }
    }

    // The raw scores S of the key tile at k0 → bias (by MODE), online softmax, O += P·V.
    template <int MODE, typename TabT>
    __device__ __forceinline__ void softmax_pv(float (&s)[BK / 8][4], const __nv_bfloat16 (*sV)[D + PAD],
                                               const float (*sKyx)[2], const int* sKoff, const unsigned char* sWin,
                                               int k0, int lane, const AlibiParams& p, bool biased, float biasScale) {
        const int t4 = lane & 3;
        float mx0 = m0, mx1 = m1;
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++) {
            if (MODE == SCORES_PLAIN) {
#pragma unroll
                for (int c = 0; c < 4; c++) s[nt][c] *= p.scaleLog2;
            } else if (MODE == SCORES_TABLE) {
                int2 ko = *reinterpret_cast<const int2*>(&sKoff[nt * 8 + t4 * 2]);
                s[nt][0] = fmaf(s[nt][0], p.scaleLog2, tab_f32(*reinterpret_cast<const TabT*>(sWin + qOff0 + ko.x)));
                s[nt][1] = fmaf(s[nt][1], p.scaleLog2, tab_f32(*reinterpret_cast<const TabT*>(sWin + qOff0 + ko.y)));
                s[nt][2] = fmaf(s[nt][2], p.scaleLog2, tab_f32(*reinterpret_cast<const TabT*>(sWin + qOff1 + ko.x)));
                s[nt][3] = fmaf(s[nt][3], p.scaleLog2, tab_f32(*reinterpret_cast<const TabT*>(sWin + qOff1 + ko.y)));
            } else {
                float4 kk = *reinterpret_cast<const float4*>(&sKyx[nt * 8 + t4 * 2][0]);
                const float gh = (float)p.gridH, gw = (float)p.gridW;
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
                }
            }
            mx0 = fmaxf(mx0, fmaxf(s[nt][0], s[nt][1]));
            mx1 = fmaxf(mx1, fmaxf(s[nt][2], s[nt][3]));
        }
#pragma unroll
        for (int off = 1; off < 4; off <<= 1) {
            mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffff, mx0, off));
            mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffff, mx1, off));
        }
        float c0 = exp2f(m0 - mx0), c1 = exp2f(m1 - mx1);
        m0 = mx0; m1 = mx1;
        float sum0 = 0.f, sum1 = 0.f;
#pragma unroll
        for (int nt = 0; nt < BK / 8; nt++) {
            s[nt][0] = exp2f(s[nt][0] - m0); s[nt][1] = exp2f(s[nt][1] - m0);
            s[nt][2] = exp2f(s[nt][2] - m1); s[nt][3] = exp2f(s[nt][3] - m1);
            sum0 += s[nt][0] + s[nt][1];
            sum1 += s[nt][2] + s[nt][3];
        }
        l0 = l0 * c0 + sum0;
        l1 = l1 * c1 + sum1;
#pragma unroll
        for (int nt = 0; nt < D / 8; nt++) { o[nt][0] *= c0; o[nt][1] *= c0; o[nt][2] *= c1; o[nt][3] *= c1; }
#pragma unroll
        for (int kc = 0; kc < BK / 16; kc++) {
            uint32_t pa[4];
            pa[0] = pack_bf16(s[2 * kc][0], s[2 * kc][1]);
            pa[1] = pack_bf16(s[2 * kc][2], s[2 * kc][3]);
            pa[2] = pack_bf16(s[2 * kc + 1][0], s[2 * kc + 1][1]);
            pa[3] = pack_bf16(s[2 * kc + 1][2], s[2 * kc + 1][3]);
#pragma unroll
            for (int np = 0; np < D / 16; np++) {                 // output n-tiles 2·np and 2·np + 1 in one ldmatrix.x4.trans
                uint32_t b[4];
                ldmatrix_x4_trans(b, &sV[kc * 16 + (lane & 15)][(np * 2 + (lane >> 4)) * 8]);
                mma_bf16(o[2 * np], pa, b);
                mma_bf16(o[2 * np + 1], pa, b + 2);
            }
        }
    }
};

template <typename TabT, int NW, bool PIPE = false>               // NW warps, 16 query rows each; PIPE: v7 (below)
__device__ __forceinline__ void alibi_attention_window(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                                                       const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ out,
                                                       const float* __restrict__ slopes, int heads, AlibiParams p,
                                                       const TabT* __restrict__ table, TableParams tp) {
    extern __shared__ __align__(16) unsigned char sWin[];       // (windowRows + 2·padRows) × stride entries of TabT
    __shared__ __align__(16) __nv_bfloat16 sK[2][BK][D + PAD];
    __shared__ __align__(16) __nv_bfloat16 sV[2][BK][D + PAD];
    __shared__ __align__(16) float sKyx[2][BK][2];                // key (y, x), y < 0: prefix token or past N (computed path)
    __shared__ __align__(16) int sKoff[2][BK];                    // key byte offset in the window (table path)

    const int bh = blockIdx.y, h = bh % heads, q0 = blockIdx.x * (16 * NW);
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
    const size_t base = (size_t)bh * p.n * D;
    const float slope = slopes ? slopes[h] : 0.f;
    const bool biased = slope != 0.f;
    const float biasScale = -slope * p.invMaxDist * 1.4426950408889634f;
    const int W = p.gridW;

    // this CTA's window: its queries' rows run up to yMax; window row r is table row H − 1 − yMax + r
    const bool tableCta = biased && table != nullptr && q0 >= p.prefix;
    const int yMax = tableCta ? (min(q0 + 16 * NW, p.n) - 1 - p.prefix) / W : 0;
    const int padStart = tp.windowRows * tp.stride * (int)sizeof(TabT);              // bytes: zeros, then −∞
    const int padBytes = tp.padRows * tp.stride * (int)sizeof(TabT);
    if (tableCta) {
        const unsigned char* src = reinterpret_cast<const unsigned char*>(table + ((size_t)h * tp.rowsPerHead + (p.gridH - 1 - yMax)) * tp.stride);
        for (int c = tid; c < padStart / 16; c += NW * 32) cp_async16(sWin + c * 16, src + c * 16, true);
        TabT* pad = reinterpret_cast<TabT*>(sWin + padStart);
        for (int e = tid; e < 2 * tp.padRows * tp.stride; e += NW * 32)
            pad[e] = tab_from<TabT>(e < tp.padRows * tp.stride ? 0.f : -INFINITY);
    }

    auto load_meta = [&](int buf, int k0) {                       // the keys' grid positions and window offsets
        if (tid < BK) {
            int kj = k0 + tid, b = kj - p.prefix;
            bool patch = kj < p.n && b >= 0;
            int ky = patch ? b / W : 0, kx = patch ? b % W : 0;
            sKyx[buf][tid][0] = patch ? (float)ky : -1.f;
            sKyx[buf][tid][1] = (float)kx;
            sKoff[buf][tid] = patch ? (ky * tp.stride + kx) * (int)sizeof(TabT) : kj < p.n ? padStart : padStart + padBytes;
        }
    };
    auto load_tile = [&](int buf, int k0) {                       // 64 keys × 64 dims × 2 tensors, 16 B per copy
        for (int c = tid; c < BK * D / 8; c += NW * 32) {
            int r = c / (D / 8), col = (c % (D / 8)) * 8, kj = k0 + r;
            bool in = kj < p.n;
            size_t off = base + (size_t)(in ? kj : 0) * D + col;
            cp_async16(&sK[buf][r][col], k + off, in);
            cp_async16(&sV[buf][r][col], v + off, in);
        }
        load_meta(buf, k0);
    };
    auto load_one = [&](__nv_bfloat16 (*dst)[D + PAD], const __nv_bfloat16* src, int k0) {   // K or V of one tile (v7)
        for (int c = tid; c < BK * D / 8; c += NW * 32) {
            int r = c / (D / 8), col = (c % (D / 8)) * 8, kj = k0 + r;
            bool in = kj < p.n;
            cp_async16(&dst[r][col], src + base + (size_t)(in ? kj : 0) * D + col, in);
        }
    };
    if (!PIPE) {
        load_tile(0, 0);
        cp_async_commit();
    }

    WindowWarp w;
    const int row0 = q0 + warp * 16 + g, row1 = row0 + 8;
    {
        const uint32_t* q0p = reinterpret_cast<const uint32_t*>(q + base + (size_t)min(row0, p.n - 1) * D);
        const uint32_t* q1p = reinterpret_cast<const uint32_t*>(q + base + (size_t)min(row1, p.n - 1) * D);
#pragma unroll
        for (int kc = 0; kc < D / 16; kc++) {
            w.qa[kc][0] = q0p[kc * 8 + t4];
            w.qa[kc][1] = q1p[kc * 8 + t4];
            w.qa[kc][2] = q0p[kc * 8 + t4 + 4];
            w.qa[kc][3] = q1p[kc * 8 + t4 + 4];
        }
    }
    w.y0 = -1.f; w.x0 = 0.f; w.y1 = -1.f; w.x1 = 0.f;
    if (row0 >= p.prefix && row0 < p.n) { w.y0 = (float)((row0 - p.prefix) / W); w.x0 = (float)((row0 - p.prefix) % W); }
    if (row1 >= p.prefix && row1 < p.n) { w.y1 = (float)((row1 - p.prefix) / W); w.x1 = (float)((row1 - p.prefix) % W); }
    w.qOff0 = w.qOff1 = 0;
    if (tableCta) {                                               // rows past N: the last row's offset (in the window)
        int a0 = min(row0, p.n - 1) - p.prefix, a1 = min(row1, p.n - 1) - p.prefix;
        w.qOff0 = ((yMax - a0 / W) * tp.stride + W - 1 - a0 % W) * (int)sizeof(TabT);
        w.qOff1 = ((yMax - a1 / W) * tp.stride + W - 1 - a1 % W) * (int)sizeof(TabT);
    }
    w.m0 = w.m1 = -INFINITY;
    w.l0 = w.l1 = 0.f;
#pragma unroll
    for (int t = 0; t < D / 8; t++) w.o[t][0] = w.o[t][1] = w.o[t][2] = w.o[t][3] = 0.f;

    const int tiles = (p.n + BK - 1) / BK;
    if (!PIPE) {
        for (int t = 0; t < tiles; t++) {
            const int buf = t & 1, k0 = t * BK;
            if (t + 1 < tiles) { load_tile(buf ^ 1, k0 + BK); cp_async_commit(); cp_async_wait1(); }
            else cp_async_wait0();
            __syncthreads();
            if (tableCta)
                w.tile<SCORES_TABLE, TabT>(sK[buf], sV[buf], sKyx[buf], sKoff[buf], sWin, k0, lane, p, biased, biasScale);
            else if (!biased && k0 >= p.prefix && k0 + BK <= p.n)
                w.tile<SCORES_PLAIN, TabT>(sK[buf], sV[buf], sKyx[buf], sKoff[buf], sWin, k0, lane, p, biased, biasScale);
            else
                w.tile<SCORES_COMPUTED, TabT>(sK[buf], sV[buf], sKyx[buf], sKoff[buf], sWin, k0, lane, p, biased, biasScale);
            __syncthreads();                                      // buffer `buf` is refilled two tiles later
        }
    } else {
        // v7: S(t + 1) = Q·K(t + 1)ᵀ is issued before tile t's softmax and P·V, so the tensor cores work while this warp
        // does tile t's bias, exp and sums. K therefore runs one tile ahead of V: K(j) and V(j) live in buffers j & 1;
        // step t refills K(t)'s buffer with K(t + 2) and V(t − 1)'s with V(t + 1) (and its keys' positions). One
        // cp.async group per step, empty ones too, so "all but the newest group" is always what step t − 1 issued.
        load_one(sK[0], k, 0);                                    // prologue: tile 0 whole (and the window), K(1), S(0)
        load_one(sV[0], v, 0);
        load_meta(0, 0);
        cp_async_commit();
        if (tiles > 1) load_one(sK[1], k, BK);
        cp_async_commit();
        cp_async_wait0();
        __syncthreads();
        float sA[BK / 8][4], sB[BK / 8][4];
        w.scores(sK[0], sA, lane);
        __syncthreads();                                          // every warp has read K(0) before step 0 refills it
        auto step = [&](int t, float (&cur)[BK / 8][4], float (&next)[BK / 8][4]) {
            const int buf = t & 1, k0 = t * BK;
            if (t + 2 < tiles) load_one(sK[buf], k, k0 + 2 * BK);
            if (t + 1 < tiles) { load_one(sV[buf ^ 1], v, k0 + BK); load_meta(buf ^ 1, k0 + BK); }
            cp_async_commit();
            cp_async_wait1();                                     // K(t + 1) and V(t) have landed
            __syncthreads();
            if (t + 1 < tiles) w.scores(sK[buf ^ 1], next, lane);
            if (tableCta)
                w.softmax_pv<SCORES_TABLE, TabT>(cur, sV[buf], sKyx[buf], sKoff[buf], sWin, k0, lane, p, biased, biasScale);
            else if (!biased && k0 >= p.prefix && k0 + BK <= p.n)
                w.softmax_pv<SCORES_PLAIN, TabT>(cur, sV[buf], sKyx[buf], sKoff[buf], sWin, k0, lane, p, biased, biasScale);
            else
                w.softmax_pv<SCORES_COMPUTED, TabT>(cur, sV[buf], sKyx[buf], sKoff[buf], sWin, k0, lane, p, biased, biasScale);
            __syncthreads();                                      // K(t + 1) and V(t) are read: next step refills their buffers
        };
        for (int t = 0; t < tiles; t += 2) {                      // two steps a trip: S(t) and S(t + 1) swap registers, no copies
            step(t, sA, sB);
            if (t + 1 < tiles) step(t + 1, sB, sA);
        }
    }
    float l0 = w.l0, l1 = w.l1;
#pragma unroll
    for (int off = 1; off < 4; off <<= 1) {
        l0 += __shfl_xor_sync(0xffffffff, l0, off);
        l1 += __shfl_xor_sync(0xffffffff, l1, off);
    }
    float inv0 = 1.f / l0, inv1 = 1.f / l1;
#pragma unroll
    for (int nt = 0; nt < D / 8; nt++) {
        int col = nt * 8 + t4 * 2;
        if (row0 < p.n) *reinterpret_cast<__nv_bfloat162*>(&out[base + (size_t)row0 * D + col]) = __floats2bfloat162_rn(w.o[nt][0] * inv0, w.o[nt][1] * inv0);
        if (row1 < p.n) *reinterpret_cast<__nv_bfloat162*>(&out[base + (size_t)row1 * D + col]) = __floats2bfloat162_rn(w.o[nt][2] * inv1, w.o[nt][3] * inv1);
    }
}

// The window kernels' entry points: one per (table type, warps, pipelining, launch bounds), the same arguments each.
#define WINDOW_ENTRY(name, TabT, NW, PIPE, BOUNDS)                                                                       \
    extern "C" __global__ void __launch_bounds__ BOUNDS                                                                  \
    name(const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k, const __nv_bfloat16* __restrict__ v,   \
         __nv_bfloat16* __restrict__ out, const float* __restrict__ slopes, int heads, AlibiParams p,                      \
         const TabT* __restrict__ table, TableParams tp) {                                                               \
        alibi_attention_window<TabT, NW, PIPE>(q, k, v, out, slopes, heads, p, table, tp);                               \
    }

// v6, fp16 table
WINDOW_ENTRY(alibi_attention_bf16_v6h, __half, WARPS, false, (WARPS * 32))
// the same, capped at 128 registers (ptxas spills 12 bytes) so that four CTAs fit an SM where the window allows
WINDOW_ENTRY(alibi_attention_bf16_v6h4, __half, WARPS, false, (WARPS * 32, 4))
// fp32 table (no conversion, twice the shared memory)
WINDOW_ENTRY(alibi_attention_bf16_v6f, float, WARPS, false, (WARPS * 32))

// v7: v6 (fp16 table) with S of the next key tile issued before this tile's softmax (the PIPE branch above). At
// d = 64 a warp spends about as long on a tile's bias, exp and sums as on its two products, and v2–v6 run the two
// one after the other within each warp, leaving the overlap to the other resident warps.
WINDOW_ENTRY(alibi_attention_bf16_v7h, __half, WARPS, true, (WARPS * 32))
// v7 with eight warps and 128 queries per CTA (as v6h8): each staged K/V tile serves twice the queries; one CTA per SM
WINDOW_ENTRY(alibi_attention_bf16_v7h8, __half, 8, true, (8 * 32, 1))
// the same capped at 168 registers, so that three CTAs (12 warps, as v6) fit an SM instead of two
WINDOW_ENTRY(alibi_attention_bf16_v7h3, __half, WARPS, true, (WARPS * 32, 3))

// Eight warps, 128 queries per CTA (FlashAttention-2's tile height for d = 64): every K/V tile staged in shared
// memory serves twice the queries, halving the L2 → shared traffic (about 1.9 TB/s for v5 at N = 5476 on an H200).
// Capped at 128 registers so that two CTAs (16 warps) fit an SM; needs an AlibiTable built for 128 queries per CTA.
WINDOW_ENTRY(alibi_attention_bf16_v6h8, __half, 8, false, (8 * 32, 2))
