//===- RaiseNeurons.cpp - find unrolled LIF/IF neurons in ONNX graphs ------===//
#include "RaiseNeurons.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <map>
#include <random>

namespace spikestack::onnx_import {

using ref::Tensor;

namespace {

const std::set<std::string> kElementwise = {
    "Add", "Sub", "Mul", "Div", "Neg", "Cast", "Where", "GreaterOrEqual",
    "Greater", "LessOrEqual", "Less", "Equal", "Not", "Max", "Min"};

struct Context {
  const Graph &g;
  std::map<std::string, const onnx::NodeProto *> producer;
  std::map<std::string, std::vector<const onnx::NodeProto *>> consumers;
  std::map<const onnx::NodeProto *, size_t> order;
};

/// A scalar constant's value, if `name` is one.
std::optional<double> scalar(const Context &ctx, const std::string &name) {
  auto it = ctx.g.values.find(name);
  if (it == ctx.g.values.end() || !it->second.constant ||
      !it->second.constant->values || it->second.constant->values->numel() != 1)
    return std::nullopt;
  return it->second.constant->values->data[0];
}

/// The structure of one candidate neuron.
struct Candidate {
  const onnx::NodeProto *concat = nullptr;
  std::string input;                          ///< X
  std::vector<std::string> spikes;            ///< s_t
  std::vector<const onnx::NodeProto *> cone;  ///< in graph order
  std::set<const onnx::NodeProto *> absorbed; ///< cone + Unsqueezes
  std::string h0;                             ///< membrane before firing, t=0
  double threshold = 0.0;
  bool compareGE = true;
};

/// Recognises the Concat(axis 0) of Unsqueeze(s_t, 0) and collects the cone.
std::optional<Candidate> match(const Context &ctx, const onnx::NodeProto &cat) {
  if (cat.op_type() != "Concat" || cat.input_size() < 1)
    return std::nullopt;
  if (attrInt(cat, "axis", 0) != 0)
    return std::nullopt;
  Candidate c;
  c.concat = &cat;
  for (const std::string &in : cat.input()) {
    auto p = ctx.producer.find(in);
    if (p == ctx.producer.end() || p->second->op_type() != "Unsqueeze" ||
        p->second->input_size() < 2)
      return std::nullopt;
    auto axes = ctx.g.values.find(p->second->input(1));
    if (axes == ctx.g.values.end() || !axes->second.constant ||
        !axes->second.constant->values ||
        axes->second.constant->values->numel() != 1 ||
        axes->second.constant->values->data[0] != 0)
      return std::nullopt;
    c.absorbed.insert(p->second);
    c.spikes.push_back(p->second->input(0));
  }
  // Backward cone from the spikes.
  std::set<const onnx::NodeProto *> cone;
  std::vector<std::string> work(c.spikes.begin(), c.spikes.end());
  while (!work.empty()) {
    const std::string name = work.back();
    work.pop_back();
    auto v = ctx.g.values.find(name);
    if (v != ctx.g.values.end() && v->second.constant) {
      if (!v->second.constant->values || v->second.constant->values->numel() != 1)
        return std::nullopt; // per-channel constants: not (yet) raised
      continue;
    }
    auto p = ctx.producer.find(name);
    if (p == ctx.producer.end())
      return std::nullopt; // a graph input inside the neuron
    const onnx::NodeProto *n = p->second;
    if (cone.count(n))
      continue;
    if (n->op_type() == "Gather") {
      // Gather(X, t, axis 0) reads the input at one time step.
      auto t = scalar(ctx, n->input(1));
      if (attrInt(*n, "axis", 0) != 0 || !t)
        return std::nullopt;
      if (c.input.empty())
        c.input = n->input(0);
      if (n->input(0) != c.input)
        return std::nullopt;
      cone.insert(n);
      continue;
    }
    if (!kElementwise.count(n->op_type()))
      return std::nullopt;
    cone.insert(n);
    for (const std::string &in : n->input())
      if (!in.empty())
        work.push_back(in);
  }
  if (c.input.empty())
    return std::nullopt;
  // X must be [T, ...] with T = the number of steps.
  const ValueInfo &x = ctx.g.values.at(c.input);
  if (!x.shape || x.shape->empty() ||
      (*x.shape)[0] != int64_t(c.spikes.size()) ||
      x.elemType != onnx::TensorProto::FLOAT)
    return std::nullopt;
  // Nothing outside may use a value computed inside (a node or the graph's
  // outputs).
  for (const onnx::NodeProto *n : cone) {
    c.absorbed.insert(n);
    for (const std::string &out : n->output()) {
      if (std::find(ctx.g.outputs.begin(), ctx.g.outputs.end(), out) !=
          ctx.g.outputs.end())
        return std::nullopt;
      auto users = ctx.consumers.find(out);
      if (users == ctx.consumers.end())
        continue;
      for (const onnx::NodeProto *u : users->second)
        if (!cone.count(u) && !c.absorbed.count(u))
          return std::nullopt;
    }
  }
  for (const onnx::NodeProto *n : cone)
    c.cone.push_back(n);
  std::sort(c.cone.begin(), c.cone.end(),
            [&](auto *a, auto *b) { return ctx.order.at(a) < ctx.order.at(b); });

  // Fire: s_0 = Cast(compare(a, b)). Normalise to "fire when H (op) th".
  auto castP = ctx.producer.find(c.spikes[0]);
  if (castP == ctx.producer.end() || castP->second->op_type() != "Cast")
    return std::nullopt;
  auto cmpP = ctx.producer.find(castP->second->input(0));
  if (cmpP == ctx.producer.end())
    return std::nullopt;
  const onnx::NodeProto &cmp = *cmpP->second;
  std::string a = cmp.input(0), b = cmp.input(1);
  const std::string &op = cmp.op_type();
  if (op == "Less" || op == "LessOrEqual")
    std::swap(a, b);
  else if (op != "Greater" && op != "GreaterOrEqual")
    return std::nullopt;
  c.compareGE = op == "GreaterOrEqual" || op == "LessOrEqual";
  auto bValue = scalar(ctx, b);
  if (!bValue)
    return std::nullopt;
  auto subP = ctx.producer.find(a);
  if (*bValue == 0.0 && subP != ctx.producer.end() &&
      subP->second->op_type() == "Sub" && scalar(ctx, subP->second->input(1))) {
    c.threshold = *scalar(ctx, subP->second->input(1)); // (H - th) >= 0
    c.h0 = subP->second->input(0);
  } else {
    c.threshold = *bValue; // H >= th
    c.h0 = a;
  }
  return c;
}

/// Evaluates the cone with X bound to `x`; returns the values by name.
absl::StatusOr<std::map<std::string, std::shared_ptr<const Constant>>>
evalCone(const Context &ctx, const Candidate &c, const Tensor &x) {
  std::map<std::string, std::shared_ptr<const Constant>> env;
  env[c.input] = makeConstant(onnx::TensorProto::FLOAT, x);
  for (const onnx::NodeProto *n : c.cone) {
    std::vector<std::shared_ptr<const Constant>> inputs;
    for (const std::string &in : n->input()) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      auto e = env.find(in);
      if (e != env.end()) {
        inputs.push_back(e->second);
        continue;
      }
      auto v = ctx.g.values.find(in);
      if (v == ctx.g.values.end() || !v->second.constant)
        return absl::InternalError("neuron cone reads an unknown value");
      inputs.push_back(v->second.constant);
    }
    auto r = evaluateNode(*n, inputs);
    if (!r.ok())
      return r.status();
    if (!*r)
      return absl::InternalError("neuron cone has an op the evaluator lacks");
    for (int i = 0; i < n->output_size(); ++i)
      env[n->output(i)] = (**r)[i];
  }
  return env;
}

/// The spikes [T, P] of the cone for input x [T, P].
absl::StatusOr<Tensor> coneSpikes(const Context &ctx, const Candidate &c,
                                  const Tensor &x) {
  auto env = evalCone(ctx, c, x);
  if (!env.ok())
    return env.status();
  const int64_t T = x.dim(0), P = x.numel() / T;
  Tensor out({T, P});
  for (int64_t t = 0; t < T; ++t) {
    const Tensor &s = *(*env)[c.spikes[t]]->values;
    if (s.numel() != P)
      return absl::InternalError("neuron step has the wrong size");
    std::copy(s.data.begin(), s.data.end(), out.data.begin() + t * P);
  }
  return out;
}

/// Random probe inputs around the threshold scale, f32-valued.
std::vector<Tensor> probes(int64_t T, double threshold) {
  const double scale = std::max(std::abs(threshold), 0.25);
  std::mt19937 rng(12345);
  std::vector<Tensor> result;
  for (double spread : {4.0, 1.5, 0.5}) {
    std::uniform_real_distribution<double> dist(-spread * scale,
                                                2 * spread * scale);
    Tensor x({T, 256});
    for (double &v : x.data)
      v = static_cast<float>(dist(rng));
    result.push_back(std::move(x));
  }
  // Small multiples of 1/8 hit exact ties with the threshold.
  Tensor ties({T, 256});
  std::uniform_int_distribution<int> ints(-16, 32);
  for (double &v : ties.data)
    v = ints(rng) * 0.125 * scale;
  result.push_back(std::move(ties));
  return result;
}

} // namespace

absl::StatusOr<std::vector<RaisedNeuron>> raiseNeurons(const Graph &g) {
  Context ctx{g, {}, {}, {}};
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const onnx::NodeProto *n = g.nodes[i];
    ctx.order[n] = i;
    for (const std::string &o : n->output())
      ctx.producer[o] = n;
    for (const std::string &in : n->input())
      ctx.consumers[in].push_back(n);
  }
  std::vector<RaisedNeuron> result;
  for (const onnx::NodeProto *n : g.nodes) {
    auto c = match(ctx, *n);
    if (!c)
      continue;
    const int64_t T = int64_t(c->spikes.size());

    // Probe the first step's membrane: H0(x) for x = 0 and x = 1.
    Tensor probe({T, 2}, 0.0);
    probe.data[1] = 1.0; // X[0] = [0, 1]
    auto env = evalCone(ctx, *c, probe);
    if (!env.ok())
      return env.status();
    auto h = env->find(c->h0);
    if (h == env->end() || h->second->values->numel() != 2)
      continue;
    const double h00 = h->second->values->data[0];
    const double slope = h->second->values->data[1] - h00;

    // Candidate parameters.
    std::vector<double> taus;
    if (slope > 0 && slope < 1)
      taus.push_back(1.0 / slope);
    for (const onnx::NodeProto *m : c->cone) {
      if (m->op_type() == "Div")
        if (auto k = scalar(ctx, m->input(1)); k && *k > 1)
          taus.push_back(*k);
      if (m->op_type() == "Mul")
        for (const std::string &in : m->input())
          if (auto k = scalar(ctx, in); k && *k > 0 && *k < 1)
            taus.push_back(1.0 / *k), taus.push_back(1.0 / (1.0 - *k));
    }
    std::vector<double> resets = {0.0, h00};
    for (double tau : taus)
      resets.push_back(h00 * tau);
    struct Kind {
      bool leaky, decayInput;
    };
    std::vector<Kind> kinds;
    if (slope > 0 && slope < 1)
      kinds.push_back({true, true});
    if (slope == 1) {
      kinds.push_back({false, true});
      kinds.push_back({true, false});
    }

    const auto tests = probes(T, c->threshold);
    std::vector<Tensor> expected;
    bool evaluable = true;
    for (const Tensor &x : tests) {
      auto s = coneSpikes(ctx, *c, x);
      if (!s.ok()) {
        evaluable = false;
        break;
      }
      expected.push_back(std::move(*s));
    }
    if (!evaluable)
      continue;

    std::optional<ref::NeuronParams> found;
    for (const Kind &kind : kinds) {
      std::vector<double> kindTaus = kind.leaky ? taus : std::vector<double>{2.0};
      for (double tau : kindTaus) {
        if (kind.leaky && !(tau >= 1.0))
          continue;
        for (double vr : resets)
          for (bool hard : {true, false}) {
            ref::NeuronParams p;
            p.leaky = kind.leaky;
            p.decayInput = kind.decayInput;
            p.tau = tau;
            p.vThreshold = c->threshold;
            p.vReset = vr;
            p.hardReset = hard;
            p.compareGE = c->compareGE;
            bool ok = true;
            for (size_t i = 0; ok && i < tests.size(); ++i) {
              auto s = ref::neuron(tests[i], p);
              ok = s.ok() && s->data == expected[i].data;
            }
            if (ok) {
              found = p;
              break;
            }
          }
        if (found)
          break;
      }
      if (found)
        break;
    }
    if (!found)
      continue; // left to the generic import (or reported there)
    result.push_back({c->concat, c->input, *found, c->absorbed});
  }
  return result;
}

} // namespace spikestack::onnx_import
