//===- SNNInterfaces.td - snn op interfaces -----------------*- tablegen -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNINTERFACES_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNINTERFACES_TD

include "mlir/IR/OpBase.td"

def SNN_NeuronOpInterface : OpInterface<"NeuronOpInterface"> {
  let cppNamespace = "::spikestack::snn";
  let description = [{
    A stateful spiking neuron layer that runs over the leading time
    dimension of its input. Gives passes (quantization, placement of
    membrane state, the cost model) one way to read the neuron's
    parameters whatever the op.
  }];
  let methods = [
    InterfaceMethod<"The neuron's scalar parameters as a NeuronAttr.",
      "::spikestack::snn::NeuronAttr", "getNeuronAttr">,
    InterfaceMethod<"The input whose leading dimension is time.",
      "::mlir::Value", "getNeuronInput", (ins), [{}],
      [{ return $_op.getInput(); }]>,
    InterfaceMethod<"True if the membrane leaks (a LIF neuron).",
      "bool", "isLeaky", (ins), [{}],
      [{ return $_op.getNeuronAttr().getLeaky(); }]>,
    InterfaceMethod<"True if any per-channel parameter operand (threshold, "
                    "reset, tau) is given.",
      "bool", "hasChannelParams", (ins), [{}],
      [{ return $_op.getChannelThreshold() || $_op.getChannelReset() ||
                $_op.getChannelTau(); }]>,
    InterfaceMethod<"True if the membrane runs in fixed point.",
      "bool", "isFixedPoint", (ins), [{}],
      [{ return $_op.getMembraneType().has_value(); }]>,
  ];
}

def SNN_SynapticOpInterface : OpInterface<"SynapticOpInterface"> {
  let cppNamespace = "::spikestack::snn";
  let description = [{
    A weighted synaptic operator `y = W (*) x + b` (linear or convolution):
    the unit that quantization, batch-norm folding and tiling work on.
    The output channel is the weight's dimension 0.
  }];
  let methods = [
    InterfaceMethod<"The activation operand.", "::mlir::Value", "getInput">,
    InterfaceMethod<"The weight operand; dimension 0 is the output channel.",
      "::mlir::Value", "getWeight">,
    InterfaceMethod<"The bias operand, or null.", "::mlir::Value", "getBias">,
    InterfaceMethod<"Dimension of the result that indexes output channels.",
      "int64_t", "getOutputChannelDim">,
    InterfaceMethod<"Inputs summed into one output value: K of a linear "
                    "layer, C / groups x KH x KW of a convolution (the rows "
                    "of the weight matrix a core array holds).",
      "int64_t", "getReductionSize">,
    InterfaceMethod<"Independent weight groups (convolution groups; 1 for a "
                    "linear layer); each has weight dimension 0 / groups "
                    "output channels.",
      "int64_t", "getNumWeightGroups">,
    InterfaceMethod<"Dense multiply-accumulate count of one evaluation (-1 "
                    "for dynamic shapes or a count beyond int64).",
      "int64_t", "getDenseSynapticOps">,
  ];
}

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNINTERFACES_TD
