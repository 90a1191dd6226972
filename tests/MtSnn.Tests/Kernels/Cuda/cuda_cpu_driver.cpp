// Runs generated MtSnn kernels on the CPU (see cuda_cpu_shim.h) over cases read from a binary file.
// The generated translation unit defines mt_forward / mt_backward, which call the kernel pair of a case.
// Input (little-endian), per case: int32 forward kernel, int32 backward kernel, int32 element_size, int32 steps, int64 n, int32 levels, int32 block,
// int32 flags (1 spikes, 2 dL/dO given, 4 dL/dV_last given, 8 accumulate parameter gradients, 16 write dL/dV[-1],
// 32 params given, 64 the backward recomputes H from X: the forward gets no H buffer, the backward gets X), float a, float vth, then x[T N], v0[N], dL/dO[T N]?, dL/dV_last[N]? (storage elements).
// Output per case: o[T N], v_last[N], h[T N] (float; not for a recompute case), spikes[T K N]? (bytes), dL/dX[T N], dL/dV[-1][N]?, acc[2] (float).
#include "cuda_cpu_shim.h"
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

thread_local mt_dim3 threadIdx, blockIdx;
mt_dim3 blockDim, gridDim;
static std::barrier<>* mt_emu_barrier = nullptr;
static std::mutex mt_emu_atomic_lock;

void __syncthreads() { mt_emu_barrier->arrive_and_wait(); }

float atomicAdd(float* address, float value)
{
    std::lock_guard<std::mutex> guard(mt_emu_atomic_lock);
    float old = *address;
    *address = old + value;
    return old;
}

// Runs kernel() for every thread of a 1-D grid: block after block, each block's threads concurrently.
template <class Kernel>
static void mt_emu_launch(unsigned int grid, unsigned int block, Kernel kernel)
{
    gridDim.x = grid;
    blockDim.x = block;
    for (unsigned int b = 0; b < grid; ++b)
    {
        std::barrier<> barrier((std::ptrdiff_t)block);
        mt_emu_barrier = &barrier;
        std::vector<std::thread> threads;
        threads.reserve(block);
        for (unsigned int t = 0; t < block; ++t)
            threads.emplace_back([=] { blockIdx.x = b; threadIdx.x = t; kernel(); });
        for (auto& th : threads) th.join();
        mt_emu_barrier = nullptr;
    }
}

void mt_forward(int kernel, void* const* p, int steps, long long n);
void mt_backward(int kernel, void* const* p, int steps, long long n);

template <class T> static T read_value(FILE* f) { T v; if (fread(&v, sizeof v, 1, f) != 1) throw 1; return v; }
static std::vector<unsigned char> read_bytes(FILE* f, size_t count)
{
    std::vector<unsigned char> b(count);
    if (count && fread(b.data(), 1, count, f) != count) throw 2;
    return b;
}
static void write_bytes(FILE* f, const void* p, size_t count) { if (count && fwrite(p, 1, count, f) != count) throw 3; }

int main(int argc, char** argv)
{
    if (argc != 3) { fprintf(stderr, "usage: driver cases.bin results.bin\n"); return 2; }
    FILE* in = fopen(argv[1], "rb");
    FILE* out = fopen(argv[2], "wb");
    if (!in || !out) { fprintf(stderr, "cannot open files\n"); return 2; }
    try
    {
        int count = read_value<int32_t>(in);
        for (int c = 0; c < count; ++c)
        {
            int forward = read_value<int32_t>(in), backward = read_value<int32_t>(in), es = read_value<int32_t>(in), steps = read_value<int32_t>(in);
            long long n = read_value<int64_t>(in);
            int levels = read_value<int32_t>(in), block = read_value<int32_t>(in), flags = read_value<int32_t>(in);
            float params[2];
            params[0] = read_value<float>(in);
            params[1] = read_value<float>(in);
            size_t tn = (size_t)steps * (size_t)n;
            auto x = read_bytes(in, tn * es), v0 = read_bytes(in, (size_t)n * es);
            std::vector<unsigned char> go, gvl;
            if (flags & 2) go = read_bytes(in, tn * es);
            if (flags & 4) gvl = read_bytes(in, (size_t)n * es);
            std::vector<unsigned char> o(tn * es), vlast((size_t)n * es), spikes((size_t)steps * levels * n);
            std::vector<float> h(tn), acc(2, 0.0f);
            std::vector<unsigned char> gx(tn * es), gv0((size_t)n * es);
            unsigned int grid = (unsigned int)((n + block - 1) / block);
            bool recompute = (flags & 64) != 0;
            void* fp[7] = { x.data(), v0.data(), o.data(), vlast.data(), recompute ? nullptr : h.data(), (flags & 1) ? spikes.data() : nullptr,
                            (flags & 32) ? params : nullptr };
            if (n > 0) mt_emu_launch(grid, (unsigned int)block, [&] { mt_forward(forward, fp, steps, n); });
            void* bp[8] = { recompute ? (void*)x.data() : (void*)h.data(), v0.data(), (flags & 2) ? go.data() : nullptr, (flags & 4) ? gvl.data() : nullptr,
                            gx.data(), (flags & 16) ? gv0.data() : nullptr, (flags & 8) ? acc.data() : nullptr,
                            (flags & 32) ? params : nullptr };
            if (n > 0) mt_emu_launch(grid, (unsigned int)block, [&] { mt_backward(backward, bp, steps, n); });
            write_bytes(out, o.data(), o.size());
            write_bytes(out, vlast.data(), vlast.size());
            if (!recompute) write_bytes(out, h.data(), h.size() * sizeof(float));
            if (flags & 1) write_bytes(out, spikes.data(), spikes.size());
            write_bytes(out, gx.data(), gx.size());
            if (flags & 16) write_bytes(out, gv0.data(), gv0.size());
            write_bytes(out, acc.data(), acc.size() * sizeof(float));
        }
    }
    catch (int e) { fprintf(stderr, "driver: I/O error %d\n", e); return 3; }
    fclose(in);
    if (fclose(out) != 0) return 3;
    return 0;
}
