// Segmentation with unet_learner (fastai's CamVid example in C++). With --data DIR it reads a
// CamVid-layout folder (DIR/images/*.png|jpg and DIR/labels/<stem><label-suffix>.png, class codes
// per pixel, DIR/codes.txt one class name per line); with no arguments it makes garment-vs-
// background masks from real Fashion-MNIST images (Debian's dataset-fashion-mnist).
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <strata/strata.h>

#include "example_cli.h"

namespace fs = std::filesystem;

// Default data: each Fashion-MNIST image with a mask of the garment (pixels brighter than 30).
fs::path default_data(const fs::path& root, int per_class) {
  strata::FashionMnistOptions o;
  o.per_class = per_class;
  const auto files = strata::materialize_fashion_mnist(root, o);
  fs::create_directories(root / "labels");
  for (const auto& f : files) {
    const auto label = root / "labels" / (f.stem().string() + "_P.png");
    if (fs::exists(label)) continue;
    const auto grey = strata::read_image(f).tensor().select(2, 0);
    strata::write_image(label, strata::Value(strata::Kind::Mask, (grey > 30).to(torch::kByte)));
  }
  std::ofstream(root / "codes.txt") << "background\ngarment\n";
  return root;
}

int main(int argc, char** argv) {
  CLI::App app{"Segmentation with strata's unet_learner"};
  example::TrainingOptions o;
  // fine_tune(8); size 0 keeps the images' own size
  o.out = "out/segmentation", o.size = 0, o.bs = 8, o.epochs = 8, o.per_class = 60;
  std::string suffix = "_P";
  example::add_training_options(app, o, "CamVid-layout folder (images/, labels/, codes.txt); default: Fashion-MNIST masks");
  app.add_option("--label-suffix", suffix, "mask file name = image stem + suffix + .png")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  return example::run([&] {
    strata::seed_everything(42);
    const bool embedded = o.data.empty();
    const fs::path root = embedded ? default_data(fs::path(o.out) / "data", o.per_class) : fs::path(o.data);
    if (embedded && app.count("--arch") == 0) o.arch = "resnet18";
    std::vector<std::string> codes;
    std::ifstream code_file(root / "codes.txt");
    for (std::string line; std::getline(code_file, line);)
      if (!line.empty()) codes.push_back(line);
    if (codes.empty()) throw strata::ValueError("'" + (root / "codes.txt").string() + "' lists no class names");

    // fnames = get_image_files(path/'images'); label_func; SegmentationDataLoaders.from_label_func
    const auto fnames = strata::get_image_files(root / "images");
    auto label_func = [&](const fs::path& p) { return (root / "labels" / (p.stem().string() + suffix + ".png")).string(); };
    std::vector<strata::TransformPtr> item_tfms;
    if (o.size > 0) item_tfms.push_back(std::make_shared<strata::Resize>(o.size));
    auto dls = strata::SegmentationDataLoaders::from_label_func(
        fnames, label_func, codes,
        strata::SegmentationDataLoadersOptions()
            .item_tfms(item_tfms)
            .batch_tfms(strata::aug_transforms())
            .loaders(strata::DataLoadersOptions().bs(o.bs).num_workers(o.workers).device(torch::Device(o.device))));
    strata::show_batch(dls.train(), fs::path(o.out) / "show_batch.png");

    // learn = unet_learner(dls, resnet34, metrics=[Dice, foreground_acc]); learn.fine_tune(8)
    auto learn = strata::unet_learner(
        dls, o.arch,
        strata::UnetLearnerOptions().pretrained(o.pretrained || !o.weights.empty()).weights(o.weights).learner(
            strata::LearnerOptions().metrics({strata::Dice(codes.size() > 2), strata::foreground_acc}).path(o.out)));
    learn->fine_tune(o.epochs, o.lr);
    std::cout << "saved " << learn->save("unet").string() << "\n";
    strata::show_results(*learn, fs::path(o.out) / "show_results.png");
    // interp = SegmentationInterpretation.from_learner(learn); interp.plot_top_losses(k=4)
    strata::SegmentationInterpretation::from_learner(*learn).plot_top_losses(4, fs::path(o.out) / "top_losses.png");
    // learn.export('unet.pkl'): the file examples/predict (load_learner) runs on
    learn->export_learner(fs::path(o.out) / "unet.strata");
    std::cout << "pictures: " << (fs::path(o.out) / "show_batch.png").string() << ", "
              << (fs::path(o.out) / "show_results.png").string() << ", " << (fs::path(o.out) / "top_losses.png").string()
              << "\nexported: " << (fs::path(o.out) / "unet.strata").string() << "\n";
  });
}
