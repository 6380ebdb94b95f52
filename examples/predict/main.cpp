// predict: a model exported with learn.export_learner, applied to image files in a process that
// has no training code and no data (fastai: load_learner(fname).predict(item)).
//
//   predict model.strata a.jpg b.jpg ...      one line per file: label, probability
//   predict --pair model.strata a.jpg b.jpg   the Siamese model: one line per pair
//   predict --folder photos/ model.strata     every image under a folder, batched
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <ATen/ATen.h>

#include "strata/core/error.h"
#include "strata/data/items.h"
#include "strata/learner/export.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{"Predict with a model exported by strata (learn.export_learner)"};
  std::string model, folder, device = "cpu";
  std::vector<std::string> files;
  bool pair = false, all_probs = false;
  std::int64_t bs = 64;
  app.add_option("model", model, "the exported file")->required();
  app.add_option("files", files, "image files (with --pair: two per item)");
  app.add_flag("--pair", pair, "items are pairs of files (the Siamese model)");
  app.add_option("--folder", folder, "predict every image under this folder (recursively)");
  app.add_option("--bs", bs, "batch size")->capture_default_str();
  app.add_option("--device", device, "cpu or cuda")->capture_default_str();
  app.add_flag("--probs", all_probs, "print every class probability");
  CLI11_PARSE(app, argc, argv);

  try {
    auto learn = strata::load_learner(model, strata::LoadLearnerOptions().device(c10::Device(device)));
    std::vector<fs::path> paths(files.begin(), files.end());
    if (!folder.empty())
      for (const auto& f : strata::get_image_files(folder)) paths.push_back(f);
    const int n_inp = learn->inference().n_inp;
    if (pair && n_inp != 2) throw strata::ValueError("--pair: the model in '" + model + "' takes " + std::to_string(n_inp) + " input(s)");
    if (!pair && n_inp != 1)
      throw strata::ValueError("the model in '" + model + "' takes " + std::to_string(n_inp) + " images per item: use --pair");
    if (paths.empty() || paths.size() % static_cast<std::size_t>(n_inp) != 0)
      throw strata::ValueError("give " + std::string(n_inp == 2 ? "pairs of image files" : "image files or --folder"));

    std::vector<strata::InputFiles> items;
    for (std::size_t i = 0; i < paths.size(); i += static_cast<std::size_t>(n_inp))
      items.push_back(strata::InputFiles(paths.begin() + static_cast<std::ptrdiff_t>(i),
                                         paths.begin() + static_cast<std::ptrdiff_t>(i) + n_inp));
    const strata::Predictions preds = learn->predict_files(items, bs);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto row = static_cast<std::int64_t>(i);
      const strata::Prediction p = strata::make_prediction(learn->inference(), preds.preds[row], preds.decoded[row]);
      std::string names;
      for (const auto& f : items[i]) names += (names.empty() ? "" : " ") + f.string();
      std::cout << names;
      if (p.index >= 0) {
        std::printf("\t%s\t%.6f", p.label.c_str(), p.probs[p.index].item<double>());
      } else if (p.decoded.dim() == 2) {  // a mask: its size and the codes it holds
        const at::Tensor codes = std::get<0>(at::_unique(p.decoded));
        std::string present;
        for (std::int64_t k = 0; k < codes.numel(); ++k) {
          const auto c = codes[k].item<std::int64_t>();
          const auto& vocab = learn->inference().vocab;
          present += (present.empty() ? "" : ",") + (c < static_cast<std::int64_t>(vocab.size()) ? vocab[static_cast<std::size_t>(c)] : std::to_string(c));
        }
        std::printf("\tmask %lldx%lld\t%s", static_cast<long long>(p.decoded.size(0)),
                    static_cast<long long>(p.decoded.size(1)), present.c_str());
      } else {
        std::printf("\t%s", p.label.c_str());
      }
      if (all_probs && p.probs.dim() == 1)
        for (std::int64_t k = 0; k < p.probs.size(0); ++k) std::printf("%s%.9g", k == 0 ? "\t" : " ", p.probs[k].item<double>());
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::cerr << "predict: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
