//===- Program.h - compiled programs: the ISA and its container -*- C++ -*-===//
//
// A compiled SpikeStack program, as the executor sees it: per-core
// instruction streams (docs/isa.md), the layer table that gives each layer
// its semantics and numerics (a graph of reference-kernel nodes), the
// weight and constant pool, and the target it was compiled for (carried
// inside the program: a shipped preset's name or the target document
// itself, never a path). This library does not link MLIR: the executor,
// `snn-asm` and the Python bindings embed it.
//
// The binary container (`encodeProgram` / `decodeProgram`) and the textual
// assembly (`disassemble` / `assemble`) round-trip byte for byte, and the
// container has one encoding per program: every input `decodeProgram`
// accepts re-encodes to the same bytes.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_RUNTIME_PROGRAM_H
#define SPIKESTACK_RUNTIME_PROGRAM_H

#include "spikestack/Hardware/Target.h"
#include "spikestack/Reference/Kernels.h"

#include "absl/status/statusor.h"

#include <array>
#include <utility>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spikestack::rt {

/// Container format version this library reads and writes (2: the target
/// is carried inside the program; version 1 stored a preset name or a
/// target file's path).
inline constexpr uint32_t kProgramVersion = 3;
/// The first eight bytes of every program file.
inline constexpr std::string_view kProgramMagic = "SNNPROG\x1a";

/// Limits of what the readers accept (docs/isa.md, "Limits").
/// A program file (the container), in bytes.
inline constexpr int64_t kMaxProgramBytes = int64_t(1) << 30;
/// An assembly source, in bytes (the disassembly of the largest program:
/// two hex digits per byte plus layout).
inline constexpr int64_t kMaxAssemblyBytes = int64_t(3) << 30;
/// The target document a program carries, in bytes (what a target file
/// may hold).
inline constexpr int64_t kMaxTargetDocumentBytes = hw::kMaxTargetFileBytes;
/// The target's name stored beside its document (for messages), in bytes.
inline constexpr int64_t kMaxTargetNameBytes = int64_t(hw::kMaxTitleBytes);

//===----------------------------------------------------------------------===//
// The layer table: values and reference-kernel nodes
//===----------------------------------------------------------------------===//

/// Element type of a tensor value (the snn dialect's types, without MLIR).
enum class ElemKind : uint8_t { F32, Spike, Count, Fixed, Int };

struct ElemType {
  ElemKind kind = ElemKind::F32;
  int32_t width = 32;   ///< Fixed and Int: bits
  int32_t frac = 0;     ///< Fixed: fraction bits
  int64_t countMax = 0; ///< Count: largest value (Spike: 1)
  /// "f32", "spike", "count<4>", "fixed<16,8>", "i64".
  std::string str() const;
  /// Bits of one element in the hardware.
  int64_t bits() const;
  bool isSpikeLike() const {
    return kind == ElemKind::Spike || kind == ElemKind::Count;
  }
  bool operator==(const ElemType &o) const {
    return kind == o.kind && width == o.width && frac == o.frac &&
           countMax == o.countMax;
  }
};

struct ValueInfo {
  std::vector<int64_t> shape;
  ElemType type;
};

/// What a node computes; the kinds, their arity and parameters are listed
/// once in NodeKinds.def (the meaning of `ints` and `reals` per kind there
/// and in docs/isa.md, "Layer table").
enum class NodeKind : uint8_t {
#define NODE_KIND(Kind, ...) Kind,
#include "spikestack/Runtime/NodeKinds.def"
};
inline constexpr int kNumNodeKinds = 0
#define NODE_KIND(...) +1
#include "spikestack/Runtime/NodeKinds.def"
    ;
std::string nodeKindName(NodeKind kind);

/// A node kind's row of NodeKinds.def.
struct NodeKindInfo {
  NodeKind kind;
  const char *name;
  int minOperands, maxOperands, results;
  int ints;  ///< -1: depends on the node (checked by the verifier)
  int reals;
  const char *kernel; ///< reference kernel ("-": data movement)
  bool layout; ///< moves or holds data, computes nothing: no instruction
};
/// The row of `kind` (which must be a valid kind).
const NodeKindInfo &nodeKindInfo(NodeKind kind);

struct Node {
  NodeKind kind = NodeKind::Empty;
  std::string name;              ///< the op, for messages ("snn.conv2d")
  std::vector<int32_t> operands; ///< value ids, -1 for an absent operand
  std::vector<int32_t> results;  ///< value ids
  std::vector<int64_t> ints;
  std::vector<double> reals;
  ref::NeuronParams neuron; ///< Neuron and Attention (channel vectors empty)
  int32_t layer = -1;       ///< index in Program::layers, or -1
};

/// A function: main graph or an expert body. Values are numbered per graph.
struct Graph {
  std::vector<ValueInfo> values;
  std::vector<Node> nodes; ///< in execution order
  std::vector<int32_t> inputs, outputs;
  std::vector<std::string> inputNames, outputNames;
};

/// Storage of a constant pool entry.
enum class Storage : uint8_t { I8, I16, I32, I64, F32, F64 };
int64_t storageBytes(Storage s);

struct Constant {
  Storage storage = Storage::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes; ///< little endian, row-major
  /// The values as doubles (exact for every storage).
  std::vector<double> values() const;
};

//===----------------------------------------------------------------------===//
// Layers, tilings, instructions
//===----------------------------------------------------------------------===//

enum class TileKind : uint8_t { Synaptic, AndAccumulate, ScoreValue, Vector };
/// "synaptic", "and_accumulate", "score_value" or "vector".
std::string tileKindName(TileKind kind);

/// How an array pass holds its operands (docs/isa.md, "Array passes").
///   WeightStationary: a rows x cols block of the held operand stays in the
///     PEs; a bundle of vectors streams through; partial sums of the bundle
///     go to the scratchpad, so the held block is reloaded every bundle.
///   OutputStationary: each PE keeps one output's integration (one of
///     `rows` vectors x one of `cols` columns) while the spikes stream
///     along the rows and the weights along the columns, all `reduction`
///     of them; nothing partial leaves the array.
enum class Dataflow : uint8_t { WeightStationary, OutputStationary };
/// "weight_stationary" or "output_stationary".
std::string dataflowName(Dataflow d);

/// One product of a layer mapped onto core arrays (#snn.tiling).
///
/// Tasks: `groups` x `nTiles()` column blocks, each cut along the streamed
/// vectors into `rowTiles` row tiles (contiguous vector ranges of whole
/// units: bundles for weight-stationary, folds of `bundle` vectors for
/// output-stationary). Task i is column task i / rowTiles (group
/// (i / rowTiles) / nTiles, column block (i / rowTiles) % nTiles) and row
/// tile i % rowTiles. Each task holds its own copy of its columns' weights.
struct Tiling {
  TileKind kind = TileKind::Vector;
  int64_t rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1,
          vectors = 1, bundle = 1, heldBits = 0;
  Dataflow dataflow = Dataflow::WeightStationary;
  int64_t rowTiles = 1;
  int64_t kTiles() const { return (reduction + rows - 1) / rows; }
  int64_t nTiles() const { return (outputs + cols - 1) / cols; }
  /// Column tasks: (group, column block) pairs.
  int64_t numColumnTasks() const { return groups * nTiles(); }
  int64_t numTasks() const { return numColumnTasks() * rowTiles; }
  int64_t numBundles() const { return (vectors + bundle - 1) / bundle; }
  int64_t taskGroup(int64_t task) const { return task / rowTiles / nTiles(); }
  /// The task's column block (0 .. nTiles - 1).
  int64_t taskBlock(int64_t task) const { return task / rowTiles % nTiles(); }
  int64_t taskRowTile(int64_t task) const { return task % rowTiles; }
  int64_t taskColumns(int64_t task) const;
  /// Bundles per row tile (the last row tile may have fewer).
  int64_t bundlesPerRowTile() const {
    return (numBundles() + rowTiles - 1) / rowTiles;
  }
  /// The task's streamed vectors: [taskFirstVector, + taskVectors).
  int64_t taskFirstVector(int64_t task) const;
  int64_t taskVectors(int64_t task) const;
  /// A byte range [first, first + second) of a buffer of `bytes` bytes.
  using ByteRange = std::pair<int64_t, int64_t>;
  /// The share of an input buffer (a producer's result, a graph input) of
  /// `bytes` bytes that task `task` loads: its row tile's vectors,
  /// [floor(B x first / vectors), + ceil(B x taskVectors / vectors)), at
  /// least one byte, inside the buffer (halos of convolutions not added).
  ByteRange inputShare(int64_t bytes, int64_t task) const;
  /// The share of the result buffer of `bytes` bytes that task `task`
  /// stores: its vectors x its columns, in task order, [B x before /
  /// total, B x (before + mine) / total) rounded down, so that the tasks'
  /// shares are disjoint and cover the buffer (vector tilings: equal shares
  /// of ceil(B / tasks)); at least one byte.
  ByteRange resultShare(int64_t bytes, int64_t task) const;
  /// Whether every row tile has at least one vector (the verifiers' check).
  bool rowTilesValid() const {
    return rowTiles >= 1 && rowTiles <= numBundles() &&
           (rowTiles - 1) * bundlesPerRowTile() < numBundles();
  }
  /// Reduction rows of k block `k` (the last block may be partial).
  int64_t blockRows(int64_t k) const {
    return rows < reduction - k * rows ? rows : reduction - k * rows;
  }
  /// Streamed vectors of bundle `b` (the last bundle may be partial).
  int64_t bundleVectors(int64_t b) const {
    return bundle < vectors - b * bundle ? bundle : vectors - b * bundle;
  }
};

/// A planned op: the node it stands for (in graph 0) and its products.
/// For an expert layer, tiling i stands for `owners[i]`, a node of the
/// expert body graph (`ownerGraph`).
struct Layer {
  int32_t node = -1;
  std::string op;
  std::vector<Tiling> tilings;
  int32_t ownerGraph = 0;
  std::vector<int32_t> owners; ///< node per tiling (in ownerGraph)
  /// Neuron node fused after each tiling's owner (-1: none).
  std::vector<int32_t> epilogues;
};

/// The opcodes, load kinds and vector functions (ISA.def, in encoding
/// order).
enum class Opcode : uint8_t {
#define SPIKESTACK_ISA_INSTR(Name, ...) Name,
#include "spikestack/Runtime/ISA.def"
};
inline constexpr int kNumOpcodes = 0
#define SPIKESTACK_ISA_INSTR(...) +1
#include "spikestack/Runtime/ISA.def"
    ;

enum class LoadKind : uint8_t {
#define SPIKESTACK_ISA_LOAD_KIND(Name, Mnemonic) Name,
#include "spikestack/Runtime/ISA.def"
};
enum class VectorFn : uint8_t {
#define SPIKESTACK_ISA_VECTOR_FN(Name, Mnemonic) Name,
#include "spikestack/Runtime/ISA.def"
};
inline constexpr int kNumVectorFns = 0
#define SPIKESTACK_ISA_VECTOR_FN(...) +1
#include "spikestack/Runtime/ISA.def"
    ;

std::string opcodeName(Opcode op);
std::string vectorFnName(VectorFn fn);

/// One instruction. The members an opcode uses are its format's fields
/// (ISA.def, instrSpec); the others stay zero.
struct Instr {
  Opcode op = Opcode::Halt;
  uint8_t sub = 0;
  bool dynamic = false;
  int64_t layer = 0, tiling = 0, task = 0;
  int64_t bank = 0, offset = 0, bytes = 0;
  int64_t kTiles = 0, columns = 0, vectors = 0, bundle = 0;
  int64_t elements = 0;
  int64_t barrier = 0, count = 0;
  bool operator==(const Instr &o) const;
};

/// What ISA.def says about one instruction.
enum class SubKind : uint8_t { None, LoadKind, VectorFn };
struct FieldSpec {
  int64_t Instr::*member;
  std::string name;             ///< assembly keyword, snnhw attribute
  bool positional;              ///< written without its keyword
  std::string placeholder;      ///< the docs' letter
};
struct InstrSpec {
  Opcode op;
  std::string mnemonic;
  SubKind sub;
  bool dynamic;  ///< takes the `dynamic` flag
  TileKind tile; ///< array instructions: the tiling kind they run
  std::vector<FieldSpec> fields; ///< encoding and assembly order
  std::string summary, cycles;
  bool has(int64_t Instr::*member) const;
};
/// The spec of `op` (which must be below kNumOpcodes).
const InstrSpec &instrSpec(Opcode op);
/// The opcode whose mnemonic is `mnemonic`, or -1.
int opcodeOf(std::string_view mnemonic);
/// The names of a sub-operation set, in encoding order.
const std::vector<std::string> &subNames(SubKind kind);
/// The instruction table of docs/isa.md (Markdown), rendered from ISA.def.
std::string isaTable();

struct Program {
  /// The target the program was compiled for, carried inside it:
  /// - a shipped preset: `target` is its name ("3d-mol") and
  ///   `targetDocument` is empty; the executor resolves the name against
  ///   its built-in presets only;
  /// - any other target: `targetDocument` is the target file's JSON text
  ///   as the compiler read it, and `target` the "name" in it (for
  ///   messages; programTarget checks that they agree).
  std::string target;
  std::string targetDocument;
  uint64_t fingerprint = 0;   ///< hw::targetFingerprint of that target
  int64_t makespan = 0;       ///< the schedule's estimate, cycles
  int64_t barriers = 0;
  std::vector<int64_t> inputOffsets; ///< DRAM byte offset per graph input
  std::vector<Graph> graphs;         ///< [0] is the main function
  std::vector<Constant> constants;
  std::vector<Layer> layers;
  std::vector<std::vector<Instr>> streams; ///< per core
};

/// Structural checks that need no target: the target fields well formed
/// (verifyProgramTarget), ids and indices in range, every node's operand
/// count and parameters, every stream ending in halt.
absl::Status verifyProgram(const Program &p);
/// The streams do all the work of the layer table and nothing else
/// (lib/Runtime/Coverage.cpp, docs/isa.md "Coverage"): every node that
/// computes belongs to one layer, every layer has the tilings its node's
/// shapes give, and the streams issue every task of every tiling exactly
/// once with the opcode and element count the layer table gives. Run last
/// by verifyProgram (it relies on the index checks before it); the outputs
/// come from the layer table, so without it a program whose streams skip
/// work would report results it never computed.
absl::Status verifyCoverage(const Program &p);
/// The target fields alone: a preset name is 1..64 characters of
/// [A-Za-z0-9._-]; with a document (1..kMaxTargetDocumentBytes bytes), the
/// name is 1..kMaxTargetNameBytes bytes without control characters.
absl::Status verifyProgramTarget(const Program &p);

/// The target the program carries, built from the program's own bytes
/// (no file is opened): the built-in preset it names, or its target
/// document parsed by hw::parseTarget. Fails when the preset is unknown,
/// the document does not parse, its name is not the program's `target`,
/// or the target's fingerprint is not the program's.
absl::StatusOr<hw::Target> programTarget(const Program &p);

/// The binary container (docs/isa.md): header with magic, version, target
/// fingerprint and section table; META, GRAPH (one per graph), CONSTANTS,
/// LAYERS and STREAM (one per core) sections; CRC-32 of everything before
/// it as the last four bytes.
std::string encodeProgram(const Program &p);
/// Parses and verifies a container; errors say what is wrong and where
/// ("truncated: section 3 (STREAM core 1) ends at byte 812 of 640").
/// Accepts only the canonical encoding (sections in the order META, GRAPH
/// 0.., CONSTANTS, LAYERS, STREAM 0.., contiguous; flag bytes 0 or 1;
/// unused fields zero), so encodeProgram(*decodeProgram(x)) == x.
absl::StatusOr<Program> decodeProgram(std::string_view bytes);
/// Reads `path` (a regular file of at most kMaxProgramBytes, or "-" for
/// standard input when `allowStdin`) and decodes it.
absl::StatusOr<Program> readProgram(const std::string &path,
                                    bool allowStdin = false);
/// Writes the encoded program (writeOutputFile: "-" is standard output);
/// refuses a program larger than kMaxProgramBytes.
absl::Status writeProgram(const std::string &path, const Program &p);

/// Textual assembly: header directives, the streams one instruction per
/// line, the layer table as comments, and the binary sections (graphs,
/// constants, layers) as hex. `assemble(disassemble(p))` encodes to the
/// same bytes as `p`.
std::string disassemble(const Program &p);
absl::StatusOr<Program> assemble(std::string_view text);

/// One instruction in assembly syntax ("spike_acc layer 3 tiling 0 ...").
std::string formatInstr(const Instr &i);

/// `s` quoted for an error message: 'text', with bytes outside printable
/// ASCII as \xHH, clipped to its first `max` bytes as
/// 'first bytes...' (N bytes) when longer. Every message of the decoder and
/// the assembler that echoes input goes through it.
std::string quoteForMessage(std::string_view s, size_t max = 40);

} // namespace spikestack::rt

#endif
