//===- Kernels.h - reference numerics of the snn ops ------------*- C++ -*-===//
//
// The single definition of the arithmetic of every snn op, in plain C++ (no
// MLIR), so that the reference interpreter, the quantized pipeline's checks
// and the cycle-level executor share it bit for bit.
//
// Float-domain kernels reproduce PyTorch/SpikingJelly f32 semantics step by
// step (see docs/rationale.md); integer-domain kernels work on raw
// two's-complement values with explicit rounding and saturation.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_REFERENCE_KERNELS_H
#define SPIKESTACK_REFERENCE_KERNELS_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spikestack::ref {

/// A dense row-major tensor. Float-domain values are f32 values held
/// exactly in doubles; integer-domain values (spikes, counts, raw fixed
/// point, indices) are integers held exactly (|v| < 2^53).
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> shape, double fill = 0.0);
  Tensor(std::vector<int64_t> shape, std::vector<double> data);
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t dim(int64_t i) const { return shape[i]; }
};

int64_t numElements(const std::vector<int64_t> &shape);
/// Row-major (C order) strides of `shape`, in elements.
std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape);
std::string shapeToString(const std::vector<int64_t> &shape);

/// Walks a strided view of a row-major tensor: for element i of the view
/// (row-major over `counts`), calls fn(i, flat) with
/// flat = sum_d (begins[d] + index[d] * steps[d]) * strides[d].
template <typename Fn>
void forEachStrided(const std::vector<int64_t> &counts,
                    const std::vector<int64_t> &begins,
                    const std::vector<int64_t> &steps,
                    const std::vector<int64_t> &strides, Fn fn) {
  const int64_t rank = int64_t(counts.size());
  int64_t total = 1;
  for (int64_t c : counts)
    total *= c;
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (begins[d] + index[d] * steps[d]) * strides[d];
    fn(i, flat);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < counts[d])
        break;
      index[d] = 0;
    }
  }
}

//===----------------------------------------------------------------------===//
// Fixed-point helpers
//===----------------------------------------------------------------------===//

enum class Rounding { NearestEven, NearestAway, Floor, TowardZero };

/// A signed two's-complement format: `width` bits, `frac` fractional bits.
struct FixedFormat {
  int width = 16;
  int frac = 0;
  int64_t minRaw() const { return -(int64_t(1) << (width - 1)); }
  int64_t maxRaw() const { return (int64_t(1) << (width - 1)) - 1; }
};

int64_t saturate(int64_t value, const FixedFormat &format);
/// The raw integer of `value` if it is an exact multiple of the format's LSB
/// inside its range.
std::optional<int64_t> exactRaw(double value, const FixedFormat &format);
/// True for 2^k (k any integer), the factors by which f32 scaling is exact.
bool isPowerOfTwo(double value);
/// num / den (den > 0) rounded to an integer with `mode`.
int64_t roundDiv(int64_t num, int64_t den, Rounding mode);
/// value * 2^-shift rounded with `mode` (a left shift when shift < 0).
int64_t roundShift(int64_t value, int shift, Rounding mode);
/// A finite double rounded to an integer with `mode`.
int64_t roundToInt(double value, Rounding mode);
/// The fixed-point leak multiplier M = round_even(2^15 / tau) (1/tau ~ M/2^15).
int64_t leakMultiplier(double tau);
inline constexpr int kLeakShift = 15;

//===----------------------------------------------------------------------===//
// Neurons
//===----------------------------------------------------------------------===//

struct NeuronParams {
  bool leaky = true; ///< false: IF (no leak)
  double tau = 2.0;
  double vThreshold = 1.0;
  double vReset = 0.0;
  bool hardReset = true;
  bool decayInput = true;
  bool compareGE = true; ///< fire on H - th >= 0 (else > 0)
  std::optional<double> vInit;
  /// Fixed-point domain when set (values are raw integers at membrane.frac).
  std::optional<FixedFormat> membrane;
  Rounding rounding = Rounding::NearestEven;
  /// Per-channel overrides along `channelDim` (empty = use the scalar).
  int64_t channelDim = -1;
  std::vector<double> channelThreshold, channelReset, channelTau;
};

/// Runs the neurons over dimension 0 (time) of `input` and returns spikes.
/// In the fixed-point domain `input` holds raw values with `inputFrac`
/// fractional bits (0 for spikes and counts), which must not exceed the
/// membrane's; they are scaled up to the membrane format.
absl::StatusOr<Tensor> neuron(const Tensor &input, const NeuronParams &params,
                              int inputFrac = 0);

//===----------------------------------------------------------------------===//
// Synaptic operators
//===----------------------------------------------------------------------===//

/// Element domain of a synaptic op: f32 (float) or raw integers.
struct IntDomain {
  FixedFormat output; ///< accumulator format (saturated once at the end)
};

/// y[..., n] = sum_k x[..., k] w[n, k] + b[n].
absl::StatusOr<Tensor> linear(const Tensor &x, const Tensor &w,
                              const Tensor *bias,
                              const std::optional<IntDomain> &intDomain);

struct Conv2dParams {
  int64_t strideH = 1, strideW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  int64_t dilationH = 1, dilationW = 1;
  int64_t groups = 1;
};
absl::StatusOr<Tensor> conv2d(const Tensor &x, const Tensor &w,
                              const Tensor *bias, const Conv2dParams &p,
                              const std::optional<IntDomain> &intDomain);

/// PyTorch's CPU inference batch norm in f32 (fma form).
/// snn.dequantize: y = f32(f32(raw * 2^-frac) * scale[c]) (+ bias[c], one
/// more f32 rounding) along `channelDim`. `bias` may be null.
absl::StatusOr<Tensor> dequantizeChannels(const Tensor &x, int frac,
                                          const Tensor &scale,
                                          const Tensor *bias,
                                          int64_t channelDim);

absl::StatusOr<Tensor> batchNorm(const Tensor &x, const Tensor &scale,
                                 const Tensor &offset, const Tensor &mean,
                                 const Tensor &variance, double epsilon,
                                 int64_t channelDim);

struct PoolParams {
  int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  bool ceilMode = false;
  bool countIncludePad = true;
};
/// Output size of a pooled/convolved dimension (PyTorch), -1 if empty.
int64_t pooledSize(int64_t in, int64_t padLo, int64_t padHi, int64_t kernel,
                   int64_t stride, int64_t dilation, bool ceilMode);
absl::StatusOr<Tensor> maxPool2d(const Tensor &x, const PoolParams &p);
absl::StatusOr<Tensor> avgPool2d(const Tensor &x, const PoolParams &p);

//===----------------------------------------------------------------------===//
// Elementwise, conversions, readout
//===----------------------------------------------------------------------===//

enum class AddKind { Float, Exact, Fixed };
absl::StatusOr<Tensor> add(const Tensor &a, const Tensor &b, AddKind kind,
                           const std::optional<FixedFormat> &fixed);
Tensor scale(const Tensor &x, double factor);
/// Round f32 values to raw fixed point.
Tensor quantize(const Tensor &x, const FixedFormat &to, Rounding mode);
/// Raw fixed point from `fromFrac` to format `to`.
Tensor requantize(const Tensor &x, int fromFrac, const FixedFormat &to,
                  Rounding mode);
/// Raw fixed point to f32 values.
Tensor dequantize(const Tensor &x, int frac);
/// Checks that every value is an integer in [0, max] (narrowing casts).
absl::Status checkCountRange(const Tensor &x, int64_t max,
                             const std::string &what);
Tensor toF32(const Tensor &x);

/// Mean over `tokenDims` then over time (dim 0), or per time step with
/// `keepTime`. Float domain when `fixed` is unset; otherwise the inputs are
/// raw values with `inputFrac` bits.
absl::StatusOr<Tensor> readout(const Tensor &x,
                               const std::vector<int64_t> &tokenDims,
                               const std::optional<FixedFormat> &fixed,
                               int inputFrac, Rounding mode,
                               bool keepTime = false);

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct AttentionParams {
  bool spikeDriven = false; ///< SDSA (else SSA)
  int64_t numHeads = 1;
  double scale = 1.0;
  NeuronParams neuron;
  std::optional<double> headKeepRatio;
  /// SSA mixture of heads: [B, N, H] f32 weights of the head outputs.
  const Tensor *headGate = nullptr;
};

/// How many of `numHeads` heads dynamic head pruning keeps at ratio
/// `keepRatio`: ceil(p x H) (tolerant of decimal ratios such as 0.3 x 10),
/// at least 1 and at most H.
int64_t keptHeadCount(double keepRatio, int64_t numHeads);
/// Heads kept per batch element by dynamic head pruning (sorted indices).
std::vector<std::vector<int64_t>> keptHeads(const Tensor &q, int64_t numHeads,
                                            double keepRatio);
absl::StatusOr<Tensor> spikingAttention(const Tensor &q, const Tensor &k,
                                        const Tensor &v,
                                        const AttentionParams &p);

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

struct RouterParams {
  int64_t topK = 1;
  std::optional<int64_t> capacity;
  bool normalizeGates = false;
  std::optional<int64_t> timeStep;
};
struct Routing {
  Tensor expertIndex; ///< [B, N, K] expert ids
  Tensor gate;        ///< [B, N, K] f32 gates
  Tensor slot;        ///< [B, N, K] position in the expert buffer or -1
};
/// Float-domain router; `input` holds f32 values (spikes as 0/1).
absl::StatusOr<Routing> moeRoute(const Tensor &input, const Tensor &gateWeight,
                                 const Tensor *gateBias,
                                 const RouterParams &p);
/// Steps 2-5 of moeRoute on given logits [B, N, E] (softmax, top-k, gates,
/// capacity slots).
absl::StatusOr<Routing> routeLogits(const Tensor &logits,
                                    const RouterParams &p);
/// Dense gates [B, N, E]: gate[b, n, i] * scale at expert index[b, n, i].
absl::StatusOr<Tensor> moeGates(const Tensor &index, const Tensor &gate,
                                int64_t numExperts, double scale);
absl::StatusOr<Tensor> moeDispatch(const Tensor &input, const Tensor &index,
                                   const Tensor &slot, int64_t numExperts,
                                   int64_t capacity);
absl::StatusOr<Tensor> moeCombine(const Tensor &expertOutput,
                                  const Tensor &index, const Tensor &gate,
                                  const Tensor &slot);

// ---- layout and f32 glue (lib/Reference/Layout.cpp) ---------------------
// Shared by the interpreter and the executor; each checks its operands
// against the parameters so that a corrupt program cannot index past a
// tensor.

/// Element-wise f32 operations (arith.addf ... arith.minimumf); the values
/// are the program format's encoding (NodeKind::Binary's ints[0]).
enum class BinaryFn : int64_t { Add = 0, Sub, Mul, Div, Max, Min };
/// a fn b in float, NaN-propagating max/min; shapes must be equal.
absl::StatusOr<Tensor> binary(const Tensor &a, const Tensor &b, BinaryFn fn);
Tensor negate(const Tensor &x);
/// `parts` joined along `dim` into `shape`.
absl::StatusOr<Tensor> concat(const std::vector<const Tensor *> &parts,
                              int64_t dim, const std::vector<int64_t> &shape);
/// Result dim d is input dim perm[d]; `shape` is the result's.
absl::StatusOr<Tensor> transpose(const Tensor &x,
                                 const std::vector<int64_t> &perm,
                                 const std::vector<int64_t> &shape);
/// The strided window (offsets, sizes, strides) of `x`, of `shape`.
absl::StatusOr<Tensor> extractSlice(const Tensor &x,
                                    const std::vector<int64_t> &offsets,
                                    const std::vector<int64_t> &sizes,
                                    const std::vector<int64_t> &strides,
                                    const std::vector<int64_t> &shape);
/// `dest` with `src` written into its strided window.
absl::StatusOr<Tensor> insertSlice(const Tensor &src, const Tensor &dest,
                                   const std::vector<int64_t> &offsets,
                                   const std::vector<int64_t> &sizes,
                                   const std::vector<int64_t> &strides);

} // namespace spikestack::ref

#endif // SPIKESTACK_REFERENCE_KERNELS_H
