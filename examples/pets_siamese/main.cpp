// fastai's "custom new task: Siamese" walk-through in C++: are two pet photos the same breed?
// With --data DIR it runs on Oxford-IIIT Pets (DIR/images/*.jpg); with no arguments it runs on
// the embedded default (Fashion-MNIST from Debian, see embedded_data.h).
#include <iostream>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "embedded_data.h"
#include "example_cli.h"
#include "siamese_transform.h"

namespace fs = std::filesystem;

// The shared options (example_cli.h) and the walk-through's two phases.
struct Options : example::TrainingOptions {
  Options() { out = "out/pets_siamese", per_class = 200, lr = 3e-3; }
  bool baseline = true, fp16 = false;
  int epochs_frozen = 4, epochs_unfrozen = 4, pretrain_per_class = 1000;
  double lr_unfrozen = 1e-4;
  std::uint64_t seed = 42;
};

// Steps of the walk-through, from the files to two fits; returns the final validation accuracy.
double siamese(const Options& o, const fs::path& data, const std::string& weights, const std::string& tag) {
  // files = get_image_files(path/"images"); label_func; splits = RandomSplitter()(files)
  const auto files = strata::get_image_files(data / "images");
  strata::RegexLabeller label_func(R"(^(.*)_\d+\.(jpg|png)$)");
  const auto splits = strata::RandomSplitter(0.2, o.seed)(files);
  // tfm = SiameseTransform(files, label_func, splits); tls = TfmdLists(files, tfm, splits=splits)
  auto tfm = std::make_shared<SiameseTransform>(files, label_func, splits, o.seed);
  strata::TfmdLists tls(files, strata::Pipeline({tfm}), splits);
  // dls = tls.dataloaders(after_item=[Resize(224), ToTensor],
  //                       after_batch=[IntToFloatTensor, Normalize.from_stats(*imagenet_stats)])
  const torch::Device device(o.device);
  auto dls = strata::dataloaders(
      tls, strata::DataLoadersOptions()
               .bs(o.bs)
               .num_workers(o.workers)
               .seed(o.seed)
               .device(device)
               .pin_memory(device.is_cuda())
               .after_item(strata::Pipeline({std::make_shared<strata::Resize>(o.size), std::make_shared<strata::ToTensor>()}))
               .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                              strata::Normalize::from_stats(strata::imagenet_stats)})));
  strata::show_batch(dls.train(), fs::path(o.out) / ("show_batch_" + tag + ".png"), {"different", "same"});

  // encoder = create_body(resnet34(weights=...), cut=-2); head = create_head(512*2, 2, ps=0.5)
  strata::ArchModel arch = strata::model_meta(o.arch).make();
  if (!weights.empty()) {
    const auto report = strata::load_state_dict(*arch.module, fs::path(weights), /*strict=*/false);
    std::cout << "loaded " << report.loaded.size() << " tensors from " << weights
              << (report.ok() ? "" : " (not loaded, the head is cut anyway:" + report.to_string() + ")") << "\n";
  }
  auto encoder = strata::create_body(arch.layers, strata::BodyOptions().cut(-2));
  auto head = strata::create_head(strata::num_features_model(encoder) * 2, 2, strata::HeadOptions().ps({0.5}));
  strata::SiameseModel model(encoder, head);
  if (tag != "random_init") std::cout << "encoder stem: " << *encoder[0] << "\nhead: " << *head << "\n";

  // learn = Learner(dls, model, loss_func, splitter=siamese_splitter, metrics=accuracy); learn.freeze()
  strata::Learner learn(dls, model,
                        strata::LearnerOptions()
                            .loss_func(strata::CrossEntropyLossFlat())
                            .splitter(strata::siamese_splitter)
                            .metrics({strata::accuracy})
                            .path(o.out));
  if (o.fp16) learn.to_fp16();  // CUDA only: autocast + dynamic loss scaling
  learn.freeze();
  learn.fit_one_cycle(o.epochs_frozen, o.lr);
  // learn.unfreeze(); learn.fit_one_cycle(4, slice(1e-6, 1e-4))
  learn.unfreeze();
  learn.fit_one_cycle(o.epochs_unfrozen, strata::slice(o.lr_unfrozen / 100, o.lr_unfrozen));

  std::cout << "saved " << learn.save("siamese_" + tag).string() << "\n";
  // learn.export(): the model's recipe (how to build it again), weights, transforms and labels in
  // one file, for `predict --pair siamese_pretrained.strata a.png b.png` (examples/predict).
  learn.set_recipe(strata::siamese_recipe(o.arch, 2, -2, strata::HeadOptions().ps({0.5})));
  learn.inference().vocab = {"different", "same"};
  const fs::path exported = fs::path(o.out) / ("siamese_" + tag + ".strata");
  learn.export_learner(exported);
  std::cout << "exported " << exported.string() << "\n";
  strata::plot_loss(learn.recorder(), fs::path(o.out) / ("loss_" + tag + ".png"));
  strata::show_results(learn, fs::path(o.out) / ("show_results_" + tag + ".png"), 9, {"different", "same"});
  return learn.recorder().final_record().back().value_or(0.0);
}

int main(int argc, char** argv) {
  CLI::App app{"Siamese pets with strata: are two photos the same breed?"};
  Options o;
  example::add_training_options(app, o, "an Oxford-IIIT Pets folder (DIR/images/*.jpg); default: embedded Fashion-MNIST",
                                /*epochs_and_lr=*/false);
  app.add_option("--epochs-frozen", o.epochs_frozen, "epochs with the body frozen")->capture_default_str();
  app.add_option("--epochs-unfrozen", o.epochs_unfrozen, "epochs after unfreezing")->capture_default_str();
  app.add_option("--lr", o.lr, "one-cycle lr of the frozen phase")->capture_default_str();
  app.add_option("--lr-unfrozen", o.lr_unfrozen, "head lr after unfreezing (body: /100)")->capture_default_str();
  app.add_flag("--fp16", o.fp16, "mixed precision (CUDA): autocast and loss scaling");
  app.add_option("--seed", o.seed, "seed of splits, pairs and augmentation")->capture_default_str();
  app.add_option("--pretrain-per-class", o.pretrain_per_class, "embedded default: pretraining images per class")
      ->capture_default_str();
  app.add_flag("!--no-baseline", o.baseline, "embedded default: skip the random-init comparison");
  CLI11_PARSE(app, argc, argv);

  return example::run([&] {
    strata::seed_everything(o.seed);
    if (o.device == "cuda" && !torch::cuda::is_available()) throw strata::ValueError("--device cuda: no CUDA device");
    if (!o.data.empty()) {
      std::string weights = o.weights;
      if (weights.empty() && o.pretrained) weights = strata::pretrained_weights_file(o.arch);
      const double acc = siamese(o, o.data, weights, "pets");
      std::cout << "final accuracy: " << acc << "\n";
      return;
    }
    // Embedded default: small images, a pretrained body of our own, and the baseline.
    if (app.count("--arch") == 0) o.arch = "resnet18";
    if (app.count("--size") == 0) o.size = 32;
    if (app.count("--epochs-unfrozen") == 0) o.epochs_unfrozen = 1;
    const fs::path root = fs::path(o.out) / "data";
    PretrainOptions p;
    p.arch = o.arch;
    p.size = o.size;
    p.workers = o.workers;
    p.seed = o.seed;
    p.per_class = o.pretrain_per_class;
    const std::string weights = o.weights.empty() ? pretrained_body(root, p).string() : o.weights;
    const fs::path data = siamese_default_data(root, o.per_class);
    std::cout << "\n== Siamese with the pretrained body\n";
    const double transfer = siamese(o, data, weights, "pretrained");
    double scratch = -1;
    if (o.baseline) {
      std::cout << "\n== Siamese from random initialisation (the baseline)\n";
      strata::seed_everything(o.seed);
      scratch = siamese(o, data, "", "random_init");
    }
    std::cout << "\naccuracy with the pretrained body: " << transfer << "\n";
    if (o.baseline) std::cout << "accuracy from random init:         " << scratch << "\n";
    std::cout << "pictures: " << (fs::path(o.out) / "show_batch_pretrained.png").string() << ", "
              << (fs::path(o.out) / "show_results_pretrained.png").string() << "\n";
  });
}
