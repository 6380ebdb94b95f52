// Learner::summary: fastai's table of layers, output shapes, parameter counts and trainable flags.
#include <sstream>

#include <ATen/ATen.h>
#include <torch/torch.h>

#include "strata/core/error.h"
#include "strata/learner/learner.h"
#include "strata/models/layers.h"
#include "strata/models/sequential.h"

namespace strata {
namespace {

struct Row {
  std::string type, shape;
  int64_t params = 0;
  std::string trainable;
};

std::string trainable_flag(const torch::nn::Module& m) {
  bool any = false, all = true;
  for (const auto& p : m.parameters()) {
    any = any || p.requires_grad();
    all = all && p.requires_grad();
  }
  if (m.parameters().empty()) return "";
  return all ? "True" : any ? "Partly" : "False";
}

std::string batch_shape(const at::Tensor& t) {
  std::string out;
  for (auto s : t.sizes()) out += (out.empty() ? "" : " x ") + std::to_string(s);
  return out;
}

Row row_of(const torch::nn::Module& m, const std::string& shape) {
  return {layer_type(m), shape, count_parameters(m), trainable_flag(m)};
}

// Sequentials are walked child by child (each output shape known); any other module is one row.
at::Tensor walk(torch::nn::SequentialImpl& seq, at::Tensor x, std::vector<Row>& rows) {
  for (auto& child : seq) {
    if (auto* inner = dynamic_cast<torch::nn::SequentialImpl*>(child.ptr().get())) {
      x = walk(*inner, x, rows);
    } else {
      x = child.forward(x);
      rows.push_back(row_of(*child.ptr(), batch_shape(x)));
    }
  }
  return x;
}

// Children of a module that is not a Sequential: their parameters, no shapes.
void list_children(const torch::nn::Module& m, std::vector<Row>& rows) {
  for (const auto& child : m.children()) {
    if (dynamic_cast<const torch::nn::SequentialImpl*>(child.get()) != nullptr) {
      list_children(*child, rows);
    } else {
      rows.push_back(row_of(*child, ""));
    }
  }
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string Learner::summary(std::vector<at::Tensor> inputs) {
  if (inputs.empty()) {
    STRATA_CHECK(dls_.valid().n_items() > 0 || dls_.train().n_items() > 0,
                 "summary: the learner has no data to make an input batch from; pass example inputs");
    DataLoader& dl = dls_.valid().n_items() > 0 ? dls_.valid() : dls_.train();
    auto [x, y] = dls_.split_batch(dl.one_batch());
    for (const auto& v : x) inputs.push_back(v.tensor());
  }
  torch::NoGradGuard no_grad;
  const bool was_training = module().is_training();
  module().eval();
  std::vector<Row> rows;
  at::Tensor out;
  auto* seq = dynamic_cast<torch::nn::SequentialImpl*>(&module());
  if (seq != nullptr && inputs.size() == 1) {
    out = walk(*seq, inputs[0], rows);
  } else {
    list_children(module(), rows);
    out = model_(inputs);
  }
  module().train(was_training);

  std::ostringstream s;
  std::string input_shapes;
  for (const auto& x : inputs) input_shapes += (input_shapes.empty() ? "" : ", ") + batch_shape(x);
  const std::string rule(76, '=');
  s << layer_type(module()) << " (Input shape: " << input_shapes << ")\n" << rule << "\n";
  s << fmt::format("{:<24}{:<28}{:<14}{}\n", "Layer (type)", "Output Shape", "Param #", "Trainable") << rule << "\n";
  for (const auto& r : rows)
    s << fmt::format("{:<24}{:<28}{:<14}{}\n", r.type, r.shape, r.params == 0 ? "" : with_commas(r.params), r.trainable);
  const int64_t total = count_parameters(module()), trainable = count_parameters(module(), true);
  s << rule << "\n"
    << "Output shape: " << batch_shape(out) << "\n"
    << "Total params: " << with_commas(total) << "\n"
    << "Total trainable params: " << with_commas(trainable) << "\n"
    << "Total non-trainable params: " << with_commas(total - trainable) << "\n\n";
  s << "Loss function: " << (loss_func_ ? loss_func_.name() : std::string("(none)")) << "\n";
  if (opt_) {
    s << "Parameter groups: " << opt_->n_groups() << "\n";
    if (opt_->frozen_idx() > 0) s << "Model frozen up to parameter group #" << opt_->frozen_idx() << "\n";
    else s << "Model unfrozen\n";
  }
  s << "\nCallbacks:\n";
  for (const auto& cb : callbacks()) s << "  - " << cb->name() << "\n";
  return s.str();
}

}  // namespace strata
