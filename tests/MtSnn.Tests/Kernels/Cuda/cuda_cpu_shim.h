// CPU emulation of the CUDA features the generated MtSnn neuron kernels use, so that the exact kernel text can be
// compiled with g++ and checked against the composed reference on a machine without a GPU.
// One block at a time; the threads of a block are real threads and __syncthreads() is a real barrier, so the
// backward's shared-memory reduction runs with genuine interleavings. __shared__ arrays become function-local
// statics: shared by the threads of the (only) running block, as on the device.
#pragma once
#include <barrier>
#include <cmath>
#include <cstring>
#include <math.h>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static

struct mt_dim3 { unsigned int x = 0, y = 0, z = 0; };
inline thread_local mt_dim3 threadIdx, blockIdx;
inline mt_dim3 blockDim, gridDim;
inline std::barrier<>* mt_emu_barrier = nullptr;
inline std::mutex mt_emu_atomic_lock;

inline void __syncthreads() { mt_emu_barrier->arrive_and_wait(); }

inline float atomicAdd(float* address, float value)
{
    std::lock_guard<std::mutex> guard(mt_emu_atomic_lock);
    float old = *address;
    *address = old + value;
    return old;
}

inline float __uint_as_float(unsigned int bits) { float f; std::memcpy(&f, &bits, sizeof f); return f; }
inline unsigned int __float_as_uint(float f) { unsigned int bits; std::memcpy(&bits, &f, sizeof bits); return bits; }

// Runs kernel() for every thread of a 1-D grid: block after block, each block's threads concurrently.
template <class Kernel>
void mt_emu_launch(unsigned int grid, unsigned int block, Kernel kernel)
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
