//===- SNNAttrs.td - snn dialect attributes -----------------*- tablegen -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_TD
#define SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "spikestack/Dialect/SNN/IR/SNNBase.td"
include "spikestack/Dialect/SNN/IR/SNNEnums.td"
include "spikestack/Dialect/SNN/IR/SNNTypes.td"

// A double parameter printed in its shortest round-trip decimal form.
class SNN_DoubleParameter<string default, string desc>
    : DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(" # default # ")", desc> {
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
  let parser = "::spikestack::snn::parseDoubleParam($_parser)";
  let printer = "::spikestack::snn::printDoubleParam($_printer, $_self)";
}
class SNN_BoolParameter<string default, string desc>
    : DefaultValuedParameter<"bool", default, desc> {
  let parser = "::spikestack::snn::parseBoolParam($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
}
class SNN_OptDoubleParameter<string desc>
    : DefaultValuedParameter<"std::optional<::llvm::APFloat>", "std::nullopt", desc> {
  let parser = "::spikestack::snn::parseOptDoubleParam($_parser)";
  let printer = "::spikestack::snn::printDoubleParam($_printer, *$_self)";
}

def SNN_NeuronAttr : AttrDef<SNN_Dialect, "Neuron"> {
  let mnemonic = "neuron";
  let summary = "scalar parameters of an embedded LIF/IF neuron";
  let description = [{
    The neuron of an op that contains one, e.g. the attention neuron of
    `snn.spiking_attention`. The fields mean exactly what the attributes of
    `snn.lif` mean (see there for the update equations); `leaky = false`
    makes it an IF neuron (`tau` and `decay_input` are then ignored).
    Fields equal to their default are omitted when printed.

    ```mlir
    #snn.neuron<v_threshold = 0.5>
    #snn.neuron<v_threshold = 4.0, membrane_type = !snn.fixed<16, 0>>
    ```

    With `membrane_type` set the neuron runs in the fixed-point domain with
    that membrane format and `rounding`; every threshold, reset and initial
    value must then be representable in it.
  }];
  let parameters = (ins
    SNN_BoolParameter<"true", "false for an IF neuron (no leak)">:$leaky,
    SNN_DoubleParameter<"2.0", "membrane time constant (LIF)">:$tau,
    SNN_DoubleParameter<"1.0", "firing threshold">:$v_threshold,
    SNN_DoubleParameter<"0.0", "reset/rest potential">:$v_reset,
    DefaultValuedParameter<"ResetMode", "ResetMode::Hard",
                           "reset mode">:$reset,
    SNN_BoolParameter<"true", "charge form (SpikingJelly decay_input)">:$decay_input,
    DefaultValuedParameter<"CompareMode", "CompareMode::GE",
                           "firing comparison">:$compare,
    SNN_OptDoubleParameter<"initial membrane potential">:$v_init,
    OptionalParameter<"FixedType", "fixed-point membrane format">:$membrane_type,
    DefaultValuedParameter<"RoundingMode", "RoundingMode::NearestEven",
                           "rounding of the fixed-point leak">:$rounding
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_TD
