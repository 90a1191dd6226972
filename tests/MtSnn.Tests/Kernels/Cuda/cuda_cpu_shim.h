// CPU emulation of the CUDA features the generated MtSnn neuron kernels use, so that the exact kernel text can be
// compiled with g++ and checked against the composed reference on a machine without a GPU. Declarations only (the
// kernels compile quickly); cuda_cpu_driver.cpp implements them.
// One block runs at a time; the threads of a block are real threads and __syncthreads() is a real barrier, so the
// backward's shared-memory reduction runs with genuine interleavings. __shared__ arrays become function-local
// statics: shared by the threads of the (only) running block, as on the device.
#pragma once
#include <math.h>
#include <string.h>

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static

struct mt_dim3 { unsigned int x = 0, y = 0, z = 0; };
extern thread_local mt_dim3 threadIdx, blockIdx;
extern mt_dim3 blockDim, gridDim;

void __syncthreads();
float atomicAdd(float* address, float value);
inline float __uint_as_float(unsigned int bits) { float f; memcpy(&f, &bits, sizeof f); return f; }
inline unsigned int __float_as_uint(float f) { unsigned int bits; memcpy(&bits, &f, sizeof bits); return bits; }
