//===- RaiseMoE.cpp - GShard mixture-of-experts routing to snn.moe_*
//-------===//
//
// A GShard-style MoE layer as exporters trace it:
//
//   logits = MatMul(x_r, W) [+ bias]  on Gather(t) or ReduceMean over time
//   p = Softmax(logits); TopK(p, k) -> ... OneHot, CumSum, Less, Where,
//   ScatterND, ... -> dispatch [B,N,E,C] and combine [B,N,E,C]
//   buffers = Einsum('tbnd,bnec->tebcd', x, dispatch)
//   y_e = expert_e(Gather(buffers, e, axis 1))      (or zeros: no expert)
//   out = Einsum('tebcd,bnec->tbnd', Concat(y_e, axis 1), combine)
//
// becomes snn.moe_router + snn.moe_dispatch + snn.moe_experts +
// snn.moe_combine. The routing ops between the logits and the two Einsums
// are not matched op by op: they are the "routing cone" (every node whose
// non-constant inputs all come from the logits), and the cone is evaluated
// on test logits and compared with snn.moe_router's definition
// (ref::routeLogits) for the top_k and capacity read off the graph, with
// and without gate renormalisation. A cone that matches neither is an
// error, never a silent change of meaning.
//
// The expert bodies are emitted with the ordinary importer into blocks, one
// per expert; they must be the same computation (op for op) and differ only
// in their f32 constants, which become the stacked `params` of
// snn.moe_experts. An expert the graph replaced by zeros (an export that
// compiled some experts out) becomes an expert with all-zero parameters,
// which is accepted only when that provably yields zeros.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include "absl/strings/str_cat.h"

#include "spikestack/Interpreter/Interpreter.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/ScopeExit.h"

#include <random>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::onnx_import;

namespace {

/// Removes blanks from an Einsum equation.
std::string compactEquation(const onnx::NodeProto &n) {
  std::string e;
  for (char c : attrString(n, "equation"))
    if (c != ' ')
      e += c;
  return e;
}

/// True if `eq` is `a,b->c` with the letters of the pattern `pattern`
/// (same structure, letters renamed consistently).
bool sameEquation(const std::string &eq, const std::string &pattern) {
  if (eq.size() != pattern.size())
    return false;
  std::map<char, char> fwd, back;
  for (size_t i = 0; i < eq.size(); ++i) {
    const char a = eq[i], b = pattern[i];
    const bool letterA = std::isalpha(static_cast<unsigned char>(a)),
               letterB = std::isalpha(static_cast<unsigned char>(b));
    if (letterA != letterB || (!letterA && a != b))
      return false;
    if (!letterA)
      continue;
    if ((fwd.count(a) && fwd[a] != b) || (back.count(b) && back[b] != a))
      return false;
    fwd[a] = b;
    back[b] = a;
  }
  return true;
}

std::vector<float> floatsOfAttr(Attribute a) {
  std::vector<float> out;
  if (auto d = dyn_cast<DenseElementsAttr>(a)) {
    for (float v : d.getValues<float>())
      out.push_back(v);
  } else if (auto r = dyn_cast<DenseF32ResourceElementsAttr>(a)) {
    if (auto view = r.tryGetAsArrayRef())
      out.assign(view->begin(), view->end());
  }
  return out;
}

bool isF32Constant(Operation &op) {
  auto c = dyn_cast<arith::ConstantOp>(op);
  if (!c)
    return false;
  auto t = dyn_cast<RankedTensorType>(c.getType());
  return t && t.getElementType().isF32();
}

/// True if `v` is zero whenever every f32 constant of its block is zero
/// (the body of an expert the graph does not have).
bool zeroWithZeroConstants(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op)
    return false;
  auto allF32Constants = [&](ValueRange operands) {
    return llvm::all_of(operands, [](Value o) {
      Operation *d = o.getDefiningOp();
      return d && isF32Constant(*d);
    });
  };
  if (isa<tensor::ReshapeOp, linalg::TransposeOp, snn::CastOp>(op))
    return zeroWithZeroConstants(op->getOperand(0));
  if (isa<snn::SynapticOpInterface, snn::BatchNormOp>(op))
    return allF32Constants(op->getOperands().drop_front());
  // A neuron at rest below its threshold with zero input never fires.
  if (auto lif = dyn_cast<snn::LIFOp>(op))
    return op->getNumOperands() == 1 && !lif.getVInit() &&
           lif.getVReset().convertToDouble() <
               lif.getVThreshold().convertToDouble() &&
           zeroWithZeroConstants(op->getOperand(0));
  if (auto ifo = dyn_cast<snn::IFOp>(op))
    return op->getNumOperands() == 1 && !ifo.getVInit() &&
           ifo.getVReset().convertToDouble() <
               ifo.getVThreshold().convertToDouble() &&
           zeroWithZeroConstants(op->getOperand(0));
  return false;
}

/// Logits [B, N, E] a router is verified on: random; one expert crowded
/// (past any capacity); two crowded (first and second choices); exact ties
/// between all but one expert per token.
std::vector<ref::Tensor> routerTestLogits(int64_t B, int64_t N, int64_t E) {
  std::mt19937 rng(20261121);
  auto uniform = [&] { return double(rng()) / 4294967296.0 * 8.0 - 4.0; };
  std::vector<ref::Tensor> tests;
  for (int variant = 0; variant < 4; ++variant) {
    ref::Tensor t({B, N, E});
    for (int64_t i = 0; i < t.numel(); ++i) {
      const int64_t e = i % E;
      double v = uniform();
      if (variant == 1 && e == 0)
        v += 6.0;
      if (variant == 2 && e == E - 1)
        v += 6.0;
      if (variant == 2 && e == E / 2)
        v += 3.0;
      if (variant == 3)
        v = e == (i / E) % E ? 2.0 : 0.0;
      t.data[i] = float(v);
    }
    tests.push_back(std::move(t));
  }
  return tests;
}

} // namespace

void Importer::routingCone(const std::string &logits,
                           std::vector<const onnx::NodeProto *> &cone,
                           std::set<const onnx::NodeProto *> &coneSet) {
  // Every node whose non-constant inputs all come from the logits.
  std::set<std::string> coneValues = {logits};
  for (const onnx::NodeProto *n : g.nodes) {
    bool fed = false, closed = true;
    for (const std::string &in : n->input()) {
      if (in.empty() || constantOf(in))
        continue;
      if (coneValues.count(in))
        fed = true;
      else
        closed = false;
    }
    if (!fed || !closed)
      continue;
    cone.push_back(n);
    coneSet.insert(n);
    for (const std::string &o : n->output())
      coneValues.insert(o);
  }
}

LogicalResult Importer::traceRouter(const onnx::NodeProto &sm, MoEMatch &m,
                                    std::set<const onnx::NodeProto *> &nodes) {
  const std::string &logits = sm.input(0);
  const int64_t E = (*info(logits).shape)[2], B = (*info(logits).shape)[0],
                N = (*info(logits).shape)[1];
  // Where the logits come from.
  std::string cur = logits;
  if (const onnx::NodeProto *gt = producerOf(cur, "Gather")) {
    const Constant *idx = constantOf(gt->input(1));
    const auto src = info(gt->input(0)).shape;
    if (attrInt(*gt, "axis", 0) == 0 && idx && idx->values &&
        idx->values->numel() == 1 && idx->shape.empty() && src) {
      int64_t t = int64_t(idx->values->data[0]);
      m.timeStep = t < 0 ? t + (*src)[0] : t;
      nodes.insert(gt);
      cur = gt->input(0);
    }
  }
  if (const onnx::NodeProto *add = producerOf(cur, "Add")) {
    for (int i = 0; i < 2; ++i) {
      const Constant *c = constantOf(add->input(1 - i));
      if (c && ref::numElements(c->shape) == E) {
        m.gateBias = add->input(1 - i);
        nodes.insert(add);
        cur = add->input(i);
        break;
      }
    }
  }
  const onnx::NodeProto *mm = producerOf(cur, "MatMul");
  const Constant *w = mm ? constantOf(mm->input(1)) : nullptr;
  if (!w || w->shape.size() != 2 || w->shape[1] != E)
    return error(sm) << "the router logits must be MatMul(x, W) with a "
                        "constant W of [D, "
                     << E
                     << "] (plus an optional bias), on one time step "
                        "(Gather on axis 0) or the time mean "
                        "(ReduceMean over axis 0)";
  nodes.insert(mm);
  nodes.insert(&sm);
  m.gateWeight = mm->input(1);
  cur = mm->input(0);
  if (!m.timeStep) {
    const onnx::NodeProto *mean = producerOf(cur, "ReduceMean");
    if (!mean || attrInts(*mean, "axes") != std::vector<int64_t>{0} ||
        attrInt(*mean, "keepdims", 1) != 0)
      return error(*mm) << "the router must score each token by its time "
                           "mean (ReduceMean over axis 0) or by one time "
                           "step (Gather on axis 0); per-step routing is not "
                           "supported by snn.moe_router";
    nodes.insert(mean);
    cur = mean->input(0);
  }
  m.routerInput = cur;
  const auto xShape = info(cur).shape;
  if (!xShape || xShape->size() != 4 || (*xShape)[1] != B ||
      (*xShape)[2] != N || (*xShape)[3] != w->shape[0])
    return error(*mm) << "the router input must be [T, B, N, D] = [T, " << B
                      << ", " << N << ", " << w->shape[0] << "]";
  const int64_t T = (*xShape)[0];
  if (m.timeStep && (*m.timeStep < 0 || *m.timeStep >= T))
    return error(*mm) << "routes on time step " << *m.timeStep << " of " << T;
  return success();
}

bool Importer::evaluateCone(
    const std::vector<const onnx::NodeProto *> &cone, const std::string &logits,
    const ref::Tensor &L,
    std::map<std::string, std::shared_ptr<const Constant>> &vals,
    std::string &why) {
  vals[logits] = makeConstant(onnx::TensorProto::FLOAT, L);
  for (const onnx::NodeProto *n : cone) {
    std::vector<std::shared_ptr<const Constant>> ins;
    for (const std::string &in : n->input()) {
      if (in.empty()) {
        ins.push_back(nullptr);
      } else if (auto v = vals.find(in); v != vals.end()) {
        ins.push_back(v->second);
      } else {
        auto it = g.values.find(in);
        ins.push_back(it == g.values.end() ? nullptr : it->second.constant);
      }
    }
    auto r = evaluateNode(*n, ins);
    if (!r.ok() || !*r) {
      why = absl::StrCat(
          "cannot evaluate ", describeNode(*n, g), " of the router",
          r.ok() ? "" : absl::StrCat(": ", r.status().message()));
      return false;
    }
    for (int i = 0; i < n->output_size() && i < int((*r)->size()); ++i)
      vals[n->output(i)] = (**r)[i];
  }
  return true;
}

/// Finds what the routing cone of a router feeds: the GShard Einsum pair,
/// or the dense Sum_e(Mul(G, Concat(expert outputs, axis 0)), axis 0)
/// (which sets m.dense and adds the Mul, Concat and sum to `moeNodes`).
void Importer::findMoEExits(const std::vector<const onnx::NodeProto *> &cone,
                            const std::set<const onnx::NodeProto *> &coneSet,
                            int64_t E, MoEMatch &m, MoEExits &x,
                            std::set<const onnx::NodeProto *> &moeNodes) {
  for (const onnx::NodeProto *n : cone)
    for (const std::string &o : n->output())
      for (const onnx::NodeProto *u : consumers[o]) {
        if (coneSet.count(u))
          continue;
        if (u->op_type() == "Einsum") {
          x.einsumFed = true;
          const std::string eq = compactEquation(*u);
          if (u->input_size() == 2 && u->input(1) == o &&
              sameEquation(eq, "tbnd,bnec->tebcd")) {
            x.dispatchE = u;
            x.exits.push_back({o, ExitKind::Dispatch});
          } else if (u->input_size() == 2 && u->input(1) == o &&
                     sameEquation(eq, "tebcd,bnec->tbnd")) {
            x.combineE = u;
            x.exits.push_back({o, ExitKind::Combine});
          }
        } else if (u->op_type() == "Mul" && !m.dense) {
          // Dense gates: the other factor stacks the expert outputs.
          const std::string other =
              u->input(0) == o ? u->input(1) : u->input(0);
          const onnx::NodeProto *cat = producerOf(other, "Concat");
          const onnx::NodeProto *sum = onlyUser(u->output(0));
          const Constant *axes =
              sum && sum->op_type() == "ReduceSum" && sum->input_size() > 1
                  ? constantOf(sum->input(1))
                  : nullptr;
          if (cat && attrInt(*cat, "axis", 0) == 0 &&
              cat->input_size() == E && axes && axes->values &&
              axes->values->data == std::vector<double>{0.0} &&
              attrInt(*sum, "keepdims", 1) == 0) {
            m.dense = true;
            x.stack = cat;
            x.anchor = sum;
            moeNodes.insert({u, cat, sum});
            x.exits.push_back({o, ExitKind::DenseGate});
          }
        }
      }
}

/// The experts of `m`: buffer -> body -> stack input e, each
/// self-contained; adds their nodes to `moeNodes`.
LogicalResult
Importer::matchExperts(MoEMatch &m, const MoEExits &x,
                       std::set<const onnx::NodeProto *> &moeNodes) {
  auto bad = [&](const onnx::NodeProto &at) { return error(at); };
  const int64_t E = m.numExperts;
  const onnx::NodeProto *dispatchE = x.dispatchE, *stack = x.stack;
  m.experts.resize(E);
  for (int64_t e = 0; e < E; ++e) {
    MoEMatch::Expert &ex = m.experts[e];
    ex.output = stack->input(e);
    if (const Constant *c = constantOf(ex.output)) {
      if (!c->values ||
          llvm::any_of(c->values->data, [](double v) { return v != 0.0; }))
        return bad(*stack)
               << "expert " << e << " is a constant that is not zero";
      continue; // compiled out by the exporter: a zero expert
    }
    if (m.dense) {
      ex.input = m.dispatchInput;
    } else {
      for (const onnx::NodeProto *u : consumers[dispatchE->output(0)]) {
        const Constant *idx =
            u->input_size() > 1 ? constantOf(u->input(1)) : nullptr;
        if (u->op_type() == "Gather" && attrInt(*u, "axis", 0) == 1 && idx &&
            idx->values && idx->values->numel() == 1 && idx->shape.empty() &&
            (int64_t(idx->values->data[0]) + E) % E == e) {
          ex.input = u->output(0);
          moeNodes.insert(u);
        }
      }
      if (ex.input.empty())
        return bad(*dispatchE) << "expert " << e
                               << " does not read its buffer with "
                                  "Gather(buffers, "
                               << e << ", axis = 1)";
    }
    // Body: nodes downstream of the buffer and upstream of the output.
    std::set<std::string> down = {ex.input};
    std::set<const onnx::NodeProto *> downNodes;
    for (const onnx::NodeProto *n : g.nodes)
      for (const std::string &in : n->input())
        if (down.count(in)) {
          downNodes.insert(n);
          down.insert(n->output().begin(), n->output().end());
          break;
        }
    std::set<std::string> up = {ex.output};
    for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it) {
      const onnx::NodeProto *n = *it;
      if (!downNodes.count(n) ||
          llvm::none_of(n->output(),
                        [&](const std::string &o) { return up.count(o); }))
        continue;
      ex.nodes.push_back(n);
      up.insert(n->input().begin(), n->input().end());
    }
    std::reverse(ex.nodes.begin(), ex.nodes.end());
    if (ex.nodes.empty())
      return bad(*stack) << "expert " << e << " has no body";
    std::set<std::string> inside = {ex.input};
    for (const onnx::NodeProto *n : ex.nodes) {
      for (const std::string &in : n->input())
        if (!in.empty() && !inside.count(in) && !constantOf(in))
          return bad(*n) << "expert " << e << " reads '" << in
                         << "', which is neither its buffer nor a "
                            "constant; an expert must be self-contained";
      inside.insert(n->output().begin(), n->output().end());
      moeNodes.insert(n);
    }
  }
  return success();
}

/// Verifies the routing cone of Softmax `sm` against snn.moe_router on
/// test logits (without, then with gate renormalisation) and records which
/// one it computes in m.normalize.
LogicalResult
Importer::verifyRouting(const onnx::NodeProto &sm,
                        const std::vector<const onnx::NodeProto *> &cone,
                        const std::string &logits, const MoEExits &x,
                        int64_t B, int64_t N, int64_t C, MoEMatch &m) {
  auto bad = [&](const onnx::NodeProto &at) { return error(at); };
  const int64_t E = m.numExperts, K = m.topK;
  const auto &exits = x.exits;
  const std::vector<ref::Tensor> tests = routerTestLogits(B, N, E);
  std::string mismatch;
  auto check = [&](bool normalize) -> bool {
    for (const ref::Tensor &L : tests) {
      std::map<std::string, std::shared_ptr<const Constant>> vals;
      if (!evaluateCone(cone, logits, L, vals, mismatch))
        return false;
      ref::RouterParams p;
      p.topK = K;
      p.capacity = C;
      p.normalizeGates = normalize;
      auto routing = ref::routeLogits(L, p);
      if (!routing.ok()) {
        mismatch = std::string(routing.status().message());
        return false;
      }
      // What each exit must hold, laid out [B, N, E, C] (C = 1 for the
      // dense gates, whose [E, 1, B, N, 1] layout is mapped below).
      const int64_t slots = m.dense ? 1 : C;
      ref::Tensor dispatch({B, N, E, slots}), combine({B, N, E, slots});
      for (int64_t b = 0; b < B; ++b)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t i = 0; i < K; ++i) {
            const int64_t o = (b * N + n) * K + i;
            const int64_t e = int64_t(routing->expertIndex.data[o]);
            const int64_t s = m.dense ? 0 : int64_t(routing->slot.data[o]);
            if (s < 0)
              continue;
            const int64_t at = ((b * N + n) * E + e) * slots + s;
            dispatch.data[at] = 1.0;
            combine.data[at] += routing->gate.data[o];
          }
      for (auto &[name, kind] : exits) {
        const ref::Tensor &got = *vals[name]->values;
        const bool isDispatch = kind == ExitKind::Dispatch;
        for (int64_t i = 0; i < got.numel(); ++i) {
          int64_t b, n, e, c = 0;
          if (m.dense) { // [E, 1, B, N, 1]
            e = i / (B * N);
            b = (i / N) % B;
            n = i % N;
          } else { // [B, N, E, C]
            b = i / (N * E * C);
            n = (i / (E * C)) % N;
            e = (i / C) % E;
            c = i % C;
          }
          if (m.experts[e].nodes.empty())
            continue; // a zero expert: what it receives does not matter
          const int64_t at = ((b * N + n) * E + e) * slots + c;
          const double want = (isDispatch ? dispatch : combine).data[at];
          const double tol = isDispatch ? 0.0 : 4e-7 * std::abs(want);
          if (std::abs(got.data[i] - want) > tol) {
            mismatch =
                absl::StrCat(kind == ExitKind::Dispatch  ? "dispatch"
                             : kind == ExitKind::Combine ? "combine"
                                                         : "gate",
                             "[", b, ", ", n, ", ", e, m.dense ? "" : ", ",
                             m.dense ? "" : std::to_string(c), "] is ",
                             got.data[i], ", snn.moe_router gives ", want);
            return false;
          }
        }
      }
    }
    return true;
  };
  const std::string form = m.dense ? "dense-gate" : "GShard-style";
  if (check(false)) {
    m.normalize = false;
  } else {
    const std::string first = mismatch;
    if (!check(true))
      return bad(sm) << "this " << form << " router (top-" << K
                      << (m.dense ? "" : absl::StrCat(", capacity ", C))
                      << ") does not compute snn.moe_router's routing on "
                         "test logits: without gate renormalisation "
                      << first << "; with it " << mismatch;
    m.normalize = true;
  }
  return success();
}

LogicalResult Importer::matchMoE() {
  for (const onnx::NodeProto *sm : g.nodes) {
    if (sm->op_type() != "Softmax" || absorbed.count(sm))
      continue;
    const std::string logits = sm->input(0);
    const auto lShape = info(logits).shape;
    if (!lShape || lShape->size() != 3 ||
        (attrInt(*sm, "axis", -1) != -1 && attrInt(*sm, "axis", -1) != 2))
      continue;
    const int64_t B = (*lShape)[0], N = (*lShape)[1], E = (*lShape)[2];
    const onnx::NodeProto *topk = nullptr;
    for (const onnx::NodeProto *u : consumers[sm->output(0)])
      if (u->op_type() == "TopK")
        topk = u;
    if (!topk)
      continue;

    std::vector<const onnx::NodeProto *> cone;
    std::set<const onnx::NodeProto *> coneSet;
    routingCone(logits, cone, coneSet);

    // Which form the cone's exits feed: the GShard Einsum pair, or the
    // dense Sum_e(Mul(G, Concat(expert outputs, axis 0)), axis 0).
    MoEMatch m;
    MoEExits x;
    std::set<const onnx::NodeProto *> moeNodes(coneSet);
    findMoEExits(cone, coneSet, E, m, x, moeNodes);
    const onnx::NodeProto *dispatchE = x.dispatchE, *combineE = x.combineE,
                          *stack = x.stack, *anchor = x.anchor;
    const auto &exits = x.exits;
    if (!x.einsumFed && !m.dense)
      continue; // not an MoE router (head gates: the attention matcher)
    auto bad = [&](const onnx::NodeProto &at) { return error(at); };
    int64_t C = N;
    if (!m.dense) {
      if (!dispatchE || !combineE)
        return bad(*sm) << "this router feeds an Einsum, but not the GShard "
                           "pair 'tbnd,bnec->tebcd' (dispatch) and "
                           "'tebcd,bnec->tbnd' (combine) that "
                           "snn.moe_dispatch and snn.moe_combine implement";
      const auto dShape = info(exits[0].first).shape,
                 cShape = info(exits[1].first).shape;
      if (!dShape || !cShape || *dShape != *cShape || dShape->size() != 4 ||
          (*dShape)[0] != B || (*dShape)[1] != N || (*dShape)[2] != E)
        return bad(*dispatchE) << "dispatch and combine tensors must both be "
                                  "[B, N, E, C] = ["
                               << B << ", " << N << ", " << E << ", C]";
      C = (*dShape)[3];
      m.capacity = C;
      stack = x.stack = producerOf(combineE->input(0), "Concat");
      if (!stack || attrInt(*stack, "axis", 0) != 1 || stack->input_size() != E)
        return bad(*combineE) << "the expert outputs must be a Concat of " << E
                              << " tensors on axis 1 ([T, E, B, C, D])";
      anchor = x.anchor = combineE;
      m.stackAxis = 1;
      moeNodes.insert({dispatchE, combineE, stack});
    } else {
      if (exits.size() != 1 ||
          info(exits[0].first).shape != std::vector<int64_t>{E, 1, B, N, 1})
        return bad(*sm) << "a dense-gate router must produce one gate tensor "
                           "[E, 1, B, N, 1] = ["
                        << E << ", 1, " << B << ", " << N
                        << ", 1] that scales the stacked expert outputs";
      m.stackAxis = 0;
    }
    const Constant *kc = constantOf(topk->input(1));
    if (!kc || !kc->values || kc->values->numel() != 1 ||
        attrInt(*topk, "largest", 1) != 1 ||
        (attrInt(*topk, "axis", -1) != -1 && attrInt(*topk, "axis", -1) != 2))
      return bad(*topk) << "the router's TopK must take the largest values "
                           "along the experts with a constant K";
    const int64_t K = int64_t(kc->values->data[0]);
    if (K < 1 || K > E)
      return bad(*topk) << "K = " << K << " is not in 1.." << E;
    m.topK = K;
    m.numExperts = E;

    if (failed(traceRouter(*sm, m, moeNodes)))
      return failure();
    const auto xShape = info(m.routerInput).shape;
    const int64_t T = (*xShape)[0];
    // Dense experts read the router's input; GShard ones their buffers.
    m.dispatchInput = m.dense ? m.routerInput : dispatchE->input(0);
    const auto tShape = info(m.dispatchInput).shape;
    if (!tShape || tShape->size() != 4 || (*tShape)[0] != T ||
        (*tShape)[1] != B || (*tShape)[2] != N)
      return bad(m.dense ? *anchor : *dispatchE)
             << "the dispatched tokens must be [T, B, N, D] = [" << T << ", "
             << B << ", " << N << ", D]";

    if (failed(matchExperts(m, x, moeNodes)))
      return failure();
    if (llvm::all_of(m.experts, [](auto &x) { return x.nodes.empty(); }))
      return bad(*stack) << "every expert is a constant";
    // Nothing of the layer may be read outside it.
    for (const onnx::NodeProto *n : moeNodes)
      for (const std::string &o : n->output())
        if (n != anchor && !usedOnlyBy(o, moeNodes))
          return bad(*n) << "its output '" << o
                         << "' is used outside the mixture-of-experts layer "
                            "(only the combined output may be)";

    if (failed(verifyRouting(*sm, cone, logits, x, B, N, C, m)))
      return failure();
    m.anchor = anchor;
    for (const onnx::NodeProto *n : moeNodes)
      if (n != anchor)
        moeAbsorbed.insert(n);
    moeAt[anchor] = std::move(m);
  }
  return success();
}

/// Emits the body of expert `e` of `m` into `block` (argument: its buffer
/// of type `argType`, result: [T, B, C, D']) with the ordinary emitters.
LogicalResult Importer::emitExpertBody(const onnx::NodeProto &n,
                                       const MoEMatch &m, int64_t e,
                                       Block &block,
                                       RankedTensorType argType, int64_t T,
                                       int64_t B, int64_t C) {
  Location l = loc(n);
  const MoEMatch::Expert &ex = m.experts[e];
  Value arg = block.addArgument(argType, l);
  builder.setInsertionPointToEnd(&block);
  std::map<std::string, Value> saved = std::move(env);
  env.clear();
  env[ex.input] = arg;
  LogicalResult ok = success();
  for (const onnx::NodeProto *b : ex.nodes) {
    if (absorbed.count(b) && !neuronAt.count(b))
      continue;
    if (failed(emit(*b))) {
      ok = failure();
      break;
    }
  }
  Value out =
      succeeded(ok) && env.count(ex.output) ? env[ex.output] : Value();
  env = std::move(saved);
  // One body stands for all experts: it computes no single ONNX tensor.
  block.walk([](Operation *op) { op->removeAttr(snn::kOnnxNameAttr); });
  if (!out)
    return error(n) << "cannot import the body of expert " << e;
  auto ot = cast<RankedTensorType>(out.getType());
  SmallVector<int64_t> os(ot.getShape());
  if (os.size() != 5 || os[m.stackAxis] != 1)
    return error(n) << "expert " << e << " must give a 5-D tensor with a "
                    << "unit expert dimension " << m.stackAxis << ", got "
                    << ot;
  os.erase(os.begin() + m.stackAxis);
  if (os[0] != T || os[1] != B || os[2] != C)
    return error(n) << "expert " << e << " must yield [T, B, C, D'] = [" << T
                    << ", " << B << ", " << C << ", D'], got " << ot;
  Value y = reshape(l, out, os);
  snn::YieldOp::create(builder, l, y);
  return success();
}

LogicalResult Importer::emitMoE(const onnx::NodeProto &n, const MoEMatch &m) {
  Location l = loc(n);
  auto x = operand(n, m.routerInput);
  auto tokens = operand(n, m.dispatchInput);
  if (failed(x) || failed(tokens))
    return failure();
  auto tt = cast<RankedTensorType>(tokens->getType());
  const int64_t T = tt.getDimSize(0), B = tt.getDimSize(1),
                N = tt.getDimSize(2), D = tt.getDimSize(3), E = m.numExperts,
                C = m.capacity.value_or(N);
  snn::MoeRouterOp router = emitRouter(l, m, *x);
  auto bufType = RankedTensorType::get({E, T, B, C, D}, tt.getElementType());
  Value buffers = snn::MoeDispatchOp::create(
      builder, l, bufType, *tokens, router.getExpertIndex(), router.getSlot(),
      builder.getI64IntegerAttr(E), builder.getI64IntegerAttr(C));

  // Each expert's body in its own block, with the ordinary emitters.
  auto argType = RankedTensorType::get({T, B, C, D}, tt.getElementType());
  std::vector<std::unique_ptr<Block>> blocks(E);
  // Blocks not moved into the op are deleted on return; their ops may use
  // one another, so drop those uses first.
  llvm::scope_exit dropUses([&] {
    for (auto &b : blocks)
      if (b)
        b->dropAllReferences();
  });
  int64_t first = -1;
  OpBuilder::InsertionGuard guard(builder);
  for (int64_t e = 0; e < E; ++e) {
    if (m.experts[e].nodes.empty())
      continue;
    if (first < 0)
      first = e;
    blocks[e] = std::make_unique<Block>();
    if (failed(emitExpertBody(n, m, e, *blocks[e], argType, T, B, C)))
      return failure();
  }

  if (m.dense) {
    if (failed(checkTokenWise(n, *blocks[first], first)))
      return failure();
  }
  // The bodies must agree op for op; their f32 constants become params.
  Block &body = *blocks[first];
  std::vector<Operation *> ops0;
  for (Operation &op : body)
    ops0.push_back(&op);
  std::vector<std::vector<float>> stacked;
  std::vector<arith::ConstantOp> paramConsts;
  for (Operation *op : ops0)
    if (isF32Constant(*op))
      paramConsts.push_back(cast<arith::ConstantOp>(op));
  stacked.resize(paramConsts.size());
  for (int64_t e = 0; e < E; ++e) {
    std::size_t pi = 0;
    if (!blocks[e]) { // a zero expert
      for (auto [j, c] : llvm::enumerate(paramConsts))
        stacked[j].resize(stacked[j].size() +
                          cast<ShapedType>(c.getType()).getNumElements());
      continue;
    }
    Block &other = *blocks[e];
    if (other.getOperations().size() != ops0.size())
      return error(n) << "expert " << e << " is not the same computation as "
                      << "expert " << first << " ("
                      << other.getOperations().size() << " ops versus "
                      << ops0.size() << ")";
    llvm::DenseMap<Value, Value> map; // expert e value -> expert `first`
    map[other.getArgument(0)] = body.getArgument(0);
    std::size_t k = 0;
    for (Operation &op : other) {
      Operation *ref = ops0[k++];
      bool same = op.getName() == ref->getName() &&
                  op.getNumOperands() == ref->getNumOperands() &&
                  llvm::equal(op.getResultTypes(), ref->getResultTypes());
      for (unsigned i = 0; same && i < op.getNumOperands(); ++i)
        same = map.lookup(op.getOperand(i)) == ref->getOperand(i);
      if (same && isF32Constant(op)) {
        std::vector<float> v =
            floatsOfAttr(cast<arith::ConstantOp>(op).getValue());
        same = int64_t(v.size()) ==
               cast<ShapedType>(op.getResultTypes()[0]).getNumElements();
        stacked[pi].insert(stacked[pi].end(), v.begin(), v.end());
        ++pi;
      } else if (same) {
        same = op.getAttrDictionary() == ref->getAttrDictionary() &&
               op.getPropertiesAsAttribute() == ref->getPropertiesAsAttribute();
      }
      if (!same)
        return error(n) << "expert " << e << " is not the same computation as "
                        << "expert " << first << ": '"
                        << op.getName().getStringRef() << "' at op " << k
                        << " of its body differs";
      for (auto [a, b] : llvm::zip(op.getResults(), ref->getResults()))
        map[a] = b;
    }
  }
  if (llvm::any_of(m.experts, [](auto &ex) { return ex.nodes.empty(); }) &&
      !zeroWithZeroConstants(body.getTerminator()->getOperand(0)))
    return error(n) << "some experts are compiled out of the graph (constant "
                       "zero outputs), and expert "
                    << first
                    << " does not provably give zeros with all-zero "
                       "parameters; cannot represent the missing experts";
  SmallVector<Value> params;
  for (auto [pi, c] : llvm::enumerate(paramConsts)) {
    auto t = cast<RankedTensorType>(c.getType());
    SmallVector<int64_t> shape = {E};
    llvm::append_range(shape, t.getShape());
    std::string name = absl::StrCat(n.name().empty() ? n.output(0) : n.name(),
                                    "_expert_param", pi);
    if (auto r = dyn_cast<DenseResourceElementsAttr>(c.getValue()))
      name = (r.getRawHandle().getKey() + "_experts").str();
    builder.setInsertionPoint(buffers.getDefiningOp());
    params.push_back(f32Constant(name, shape, std::move(stacked[pi])));
    Value arg = body.addArgument(t, c.getLoc());
    c.getResult().replaceAllUsesWith(arg);
    c.erase();
  }
  builder.setInsertionPointAfter(buffers.getDefiningOp());
  auto yt =
      cast<RankedTensorType>(body.getTerminator()->getOperand(0).getType());
  auto outType = RankedTensorType::get({E, T, B, C, yt.getDimSize(3)},
                                       yt.getElementType());
  SmallVector<int64_t> zero;
  for (auto [e, ex] : llvm::enumerate(m.experts))
    if (ex.nodes.empty())
      zero.push_back(int64_t(e));
  auto experts = snn::MoeExpertsOp::create(
      builder, l, outType, buffers, params,
      zero.empty() ? DenseI64ArrayAttr() : builder.getDenseI64ArrayAttr(zero));
  experts.getBody().push_back(blocks[first].release());
  auto combined = snn::MoeCombineOp::create(
      builder, l, f32Type({T, B, N, yt.getDimSize(3)}), experts.getOutput(),
      router.getExpertIndex(), router.getGate(), router.getSlot());
  env[n.output(0)] = combined;
  return success();
}

LogicalResult Importer::checkTokenWise(const onnx::NodeProto &n, Block &body,
                                       int64_t expert) {
  // The dense form runs every expert on all tokens; the sparse form on the
  // tokens routed to it, at other positions. They agree when the expert
  // treats each token on its own, wherever it is: run the body on random
  // tokens x1 and on x2 = x1 shifted by one token with every other token
  // replaced, and require bit-identical outputs for the shifted tokens.
  Location l = loc(n);
  OwningOpRef<ModuleOp> module = ModuleOp::create(l);
  OpBuilder b(module->getBodyRegion());
  auto argType = cast<RankedTensorType>(body.getArgument(0).getType());
  Value yielded = body.getTerminator()->getOperand(0);
  auto func = func::FuncOp::create(
      b, l, "expert", b.getFunctionType({argType}, {yielded.getType()}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  IRMapping map;
  map.map(body.getArgument(0), entry->getArgument(0));
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  func::ReturnOp::create(b, l, map.lookup(yielded));

  const auto shape = argType.getShape();
  const int64_t T = shape[0], B = shape[1], C = shape[2], D = shape[3];
  std::mt19937 rng(7);
  auto countMax = snn::getCountMax(argType.getElementType());
  auto draw = [&]() -> double {
    if (countMax)
      return double(rng() % uint32_t(*countMax + 1));
    return float(double(rng()) / 4294967296.0 * 4.0 - 1.0);
  };
  ref::Tensor x1({T, B, C, D}), x2({T, B, C, D});
  for (double &v : x1.data)
    v = draw();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t bb = 0; bb < B; ++bb)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t d = 0; d < D; ++d) {
          const int64_t to = (c + 1) % C;
          x2.data[((t * B + bb) * C + to) * D + d] =
              to % 2 ? x1.data[((t * B + bb) * C + c) * D + d] : draw();
        }
  auto y1 = interpretFunction(func, {x1});
  auto y2 = interpretFunction(func, {x2});
  if (failed(y1) || failed(y2))
    return error(n) << "cannot run the body of expert " << expert
                    << " to check that it is token-wise";
  const ref::Tensor &a = (*y1)[0], &r = (*y2)[0];
  const int64_t Dout = a.dim(3);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t bb = 0; bb < B; ++bb)
      for (int64_t c = 0; c < C; ++c) {
        const int64_t to = (c + 1) % C;
        if (to % 2 == 0)
          continue;
        for (int64_t d = 0; d < Dout; ++d)
          if (a.data[((t * B + bb) * C + c) * Dout + d] !=
              r.data[((t * B + bb) * C + to) * Dout + d])
            return error(n)
                   << "the experts of this dense-gate MoE layer are not "
                      "token-wise (expert "
                   << expert << "'s output for a token depends on the other "
                   << "tokens or on its position), so it cannot run as "
                      "snn.moe_dispatch/snn.moe_experts/snn.moe_combine";
      }
  return success();
}

LogicalResult Importer::matchHeadGate(AttentionMatch &am) {
  // The one Softmax the gate is computed from (through constants only).
  const onnx::NodeProto *sm = nullptr;
  int softmaxes = 0;
  std::set<std::string> seen;
  std::vector<std::string> todo = {am.headGate};
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (name.empty() || !seen.insert(name).second || constantOf(name))
      continue;
    auto p = producer.find(name);
    if (p == producer.end()) {
      softmaxes = -1; // reaches a graph input without a router
      break;
    }
    if (p->second->op_type() == "Softmax") {
      if (p->second != sm)
        ++softmaxes;
      sm = p->second;
      continue;
    }
    todo.insert(todo.end(), p->second->input().begin(),
                p->second->input().end());
  }
  const onnx::NodeProto &gated = *producer[am.headGate];
  if (softmaxes != 1)
    return error(gated) << "the attention heads are weighted by '"
                        << am.headGate
                        << "', which is not computed by one Softmax router "
                           "(a mixture of heads needs Softmax + TopK gates)";
  const std::string logits = sm->input(0);
  const auto lShape = info(logits).shape;
  if (!lShape || lShape->size() != 3 || (*lShape)[2] != am.heads)
    return error(*sm) << "a head router must give logits [B, N, H] with H = "
                      << am.heads << " heads";
  const int64_t B = (*lShape)[0], N = (*lShape)[1], H = (*lShape)[2];
  if (info(am.headGate).shape != std::vector<int64_t>{1, B, H, N, 1})
    return error(gated) << "the head gate must be [1, B, H, N, 1] = [1, " << B
                        << ", " << H << ", " << N << ", 1]";
  std::vector<const onnx::NodeProto *> cone;
  std::set<const onnx::NodeProto *> coneSet;
  routingCone(logits, cone, coneSet);
  const onnx::NodeProto *topk = nullptr;
  for (const onnx::NodeProto *n : cone)
    if (n->op_type() == "TopK" && n->input(0) == sm->output(0))
      topk = n;
  const Constant *kc = topk ? constantOf(topk->input(1)) : nullptr;
  if (!kc || !kc->values || kc->values->numel() != 1 ||
      attrInt(*topk, "largest", 1) != 1)
    return error(*sm) << "a head router needs a TopK of the largest "
                         "probabilities with a constant K";
  const int64_t K = int64_t(kc->values->data[0]);
  if (K < 1 || K > H)
    return error(*topk) << "K = " << K << " is not in 1.." << H;
  auto r = std::make_shared<MoEMatch>();
  r->topK = K;
  r->numExperts = H;
  std::set<const onnx::NodeProto *> nodes(coneSet);
  if (failed(traceRouter(*sm, *r, nodes)))
    return failure();

  // Verify: gate[0, b, h, n, 0] = scale * (top-k gate of head h or 0).
  const std::vector<ref::Tensor> tests = routerTestLogits(B, N, H);
  std::string mismatch;
  auto check = [&](bool normalize, double scale) {
    for (const ref::Tensor &L : tests) {
      std::map<std::string, std::shared_ptr<const Constant>> vals;
      if (!evaluateCone(cone, logits, L, vals, mismatch))
        return false;
      if (!vals.count(am.headGate)) {
        mismatch = "the gate is not computed from the router alone";
        return false;
      }
      ref::RouterParams p;
      p.topK = K;
      p.normalizeGates = normalize;
      auto routing = ref::routeLogits(L, p);
      if (!routing.ok()) {
        mismatch = std::string(routing.status().message());
        return false;
      }
      auto dense = ref::moeGates(routing->expertIndex, routing->gate, H, scale);
      if (!dense.ok()) {
        mismatch = std::string(dense.status().message());
        return false;
      }
      const ref::Tensor &got = *vals[am.headGate]->values;
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t n = 0; n < N; ++n) {
            const double g = got.data[(b * H + h) * N + n];
            const double want = dense->data[(b * N + n) * H + h];
            if (std::abs(g - want) > 4e-7 * std::abs(want)) {
              mismatch = absl::StrCat("gate[", b, ", ", h, ", ", n, "] is ", g,
                                      ", snn.moe_gates gives ", want);
              return false;
            }
          }
    }
    return true;
  };
  bool found = false;
  std::string first;
  for (double scale : {1.0, double(K)})
    for (bool normalize : {false, true})
      if (!found && check(normalize, scale)) {
        found = true;
        r->normalize = normalize;
        am.headGateScale = scale;
      } else if (first.empty()) {
        first = mismatch;
      }
  if (!found)
    return error(*sm) << "this head router (top-" << K << " of " << H
                      << " heads) does not compute snn.moe_router + "
                         "snn.moe_gates (with or without renormalisation, "
                         "scaled by 1 or K) on test logits: "
                      << first;
  am.absorbed.insert(nodes.begin(), nodes.end());
  am.headRouter = std::move(r);
  return success();
}

snn::MoeRouterOp Importer::emitRouter(Location l, const MoEMatch &r, Value x) {
  auto xt = cast<RankedTensorType>(x.getType());
  // W [D, E] -> gate_weight [E, D].
  Value gw = f32Constant(r.gateWeight, {r.numExperts, xt.getDimSize(3)},
                         transposed(*constantOf(r.gateWeight)));
  Value gb;
  if (r.gateBias)
    gb = f32Constant(*r.gateBias, {r.numExperts},
                     floatsOf(*constantOf(*r.gateBias)));
  return snn::MoeRouterOp::create(builder, l, x, gw, gb, r.topK, r.capacity,
                                  r.normalize, r.timeStep);
}

FailureOr<Value> Importer::emitHeadGates(const onnx::NodeProto &n,
                                         const MoEMatch &r, double scale,
                                         int64_t heads) {
  Location l = loc(n);
  auto x = operand(n, r.routerInput);
  if (failed(x))
    return failure();
  auto xt = cast<RankedTensorType>(x->getType());
  const int64_t B = xt.getDimSize(1), N = xt.getDimSize(2);
  snn::MoeRouterOp router = emitRouter(l, r, *x);
  return Value(snn::MoeGatesOp::create(
      builder, l, f32Type({B, N, heads}), router.getExpertIndex(),
      router.getGate(), builder.getI64IntegerAttr(heads),
      builder.getF64FloatAttr(scale)));
}
