// export_learner / load_learner / predict / tta / summary, in this process and in a child process.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "siamese_transform.h"
#include "strata/core/error.h"
#include "strata/core/weights.h"
#include "strata/data/labellers.h"
#include "strata/learner/export.h"
#include "strata/vision/recipes.h"
#include "strata/models/hooks.h"
#include "strata/models/model_meta.h"
#include "strata/models/siamese.h"
#include "strata/vision/data_block.h"
#include "strata/vision/fashion_mnist.h"
#include "strata/vision/resize.h"
#include "strata/vision/tensor_transforms.h"
#include "strata/vision/vision_learner.h"

namespace fs = std::filesystem;
using strata_test::Contains;

namespace {

strata::Paths fashion_files(const fs::path& dir, int per_class) {
  strata::FashionMnistOptions o;
  o.classes = {0, 1, 7};  // T-shirt, Trouser, Sneaker: easy to tell apart
  o.per_class = per_class;
  return strata::materialize_fashion_mnist(dir, o);
}

// A resnet18 classifier (random init, no download) trained for one short epoch.
std::unique_ptr<strata::Learner> small_classifier(const strata::Paths& files, std::ostream& out) {
  torch::manual_seed(0);
  auto dls = strata::ImageDataLoaders::from_name_re(
      files, R"(^(.*)_\d+\.png$)",
      strata::ImageDataLoadersOptions()
          .item_tfms({std::make_shared<strata::RandomResizedCrop>(32, strata::RandomResizedCrop::Options{0.35})})
          .batch_tfms({strata::Normalize::from_stats(strata::imagenet_stats)})
          .loaders(strata::DataLoadersOptions().bs(16).num_workers(0).seed(0)));
  auto learn = strata::vision_learner(
      dls, "resnet18",
      strata::VisionLearnerOptions().model(strata::VisionModelOptions().pretrained(false)).learner(
          strata::LearnerOptions().metrics({strata::accuracy})));
  learn->out = &out;
  learn->fit_one_cycle(1, 3e-3);
  return learn;
}

#ifdef STRATA_PREDICT_EXE  // built with the examples: the exported model is loaded in a child process
// Runs a command, returns its standard output; fails the test on a non-zero exit.
std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  return output;
}

// The probabilities of every line of `predict --probs`: the last tab-separated field.
std::vector<std::vector<double>> parse_probs(const std::string& output) {
  std::vector<std::vector<double>> rows;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line.substr(line.rfind('\t') + 1));
    std::vector<double> row;
    for (double v; fields >> v;) row.push_back(v);
    rows.push_back(row);
  }
  return rows;
}
#endif

}  // namespace

TEST_CASE("export_learner -> load_learner + predict in a fresh process: the same predictions", "[learner]") {
  strata_test::TempDir dir;
  const auto files = fashion_files(dir.path(), 16);
  std::ostringstream out;
  auto learn = small_classifier(files, out);
  const fs::path exported = dir / "model.strata";
  learn->export_learner(exported);
  REQUIRE(fs::exists(exported));

  const std::vector<fs::path> some = {files[0], files[20], files[40]};
  std::vector<strata::Prediction> here;
  for (const auto& f : some) here.push_back(learn->predict(f));
  const auto& vocab = learn->dls().vocab();  // names come back: {Sneaker, T-shirt, Trouser}
  REQUIRE(vocab.size() == 3);
  CHECK(here[0].label == vocab[static_cast<std::size_t>(here[0].index)]);
  CHECK(here[0].probs.size(0) == 3);
  CHECK(here[0].probs.sum().item<double>() == Approx(1.0).epsilon(1e-5));

  SECTION("load_learner in this process") {
    auto loaded = strata::load_learner(exported);
    CHECK(loaded->dls().vocab() == learn->dls().vocab());
    for (std::size_t i = 0; i < some.size(); ++i) {
      const auto p = loaded->predict(some[i]);
      CHECK(p.label == here[i].label);
      CHECK(p.index == here[i].index);
      CHECK((p.probs - here[i].probs).abs().max().item<double>() < 1e-6);
    }
    // Re-exporting a loaded learner gives a file that loads again.
    loaded->export_learner(dir / "again.strata");
    CHECK(strata::load_learner(dir / "again.strata")->predict(some[0]).label == here[0].label);
  }
#ifdef STRATA_PREDICT_EXE
  SECTION("load_learner in a child process (examples/predict)") {
    std::string command = std::string(STRATA_PREDICT_EXE) + " --probs " + exported.string();
    for (const auto& f : some) command += " " + f.string();
    const auto rows = parse_probs(run(command));
    REQUIRE(rows.size() == some.size());
    for (std::size_t i = 0; i < some.size(); ++i) {
      REQUIRE(rows[i].size() == 3);
      for (std::int64_t k = 0; k < 3; ++k) CHECK(std::abs(rows[i][static_cast<std::size_t>(k)] - here[i].probs[k].item<double>()) < 1e-6);
    }
  }
#endif
  SECTION("batch inference over files equals predict one by one") {
    std::vector<strata::InputFiles> items;
    for (const auto& f : some) items.push_back({f});
    const auto preds = learn->predict_files(items, 2);
    REQUIRE(preds.preds.size(0) == 3);
    for (std::int64_t i = 0; i < 3; ++i)
      CHECK((preds.preds[i] - here[static_cast<std::size_t>(i)].probs).abs().max().item<double>() < 1e-6);
  }
}

TEST_CASE("load_learner refuses corrupted, foreign and newer files with the file's name", "[learner]") {
  strata_test::TempDir dir;
  const auto files = fashion_files(dir.path(), 8);
  std::ostringstream out;
  auto learn = small_classifier(files, out);
  const fs::path good = dir / "model.strata";
  learn->export_learner(good);

  SECTION("a checkpoint from learn.save is not an export") {
    const fs::path saved = learn->save("ckpt");
    CHECK_THROWS_WITH(strata::load_learner(saved), Contains("not a strata export") && Contains("ckpt.pth"));
  }
  SECTION("a newer format version") {
    strata::PickleValue root = strata::read_pth(good);
    for (auto& [k, v] : root.as_pairs())
      if (k.as_string() == "strata_export") {
        auto doc = nlohmann::json::parse(v.as_string());
        doc["version"] = strata::kExportFormatVersion + 1;
        v = strata::PickleValue::string(doc.dump());
      }
    strata::save_pth(root, dir / "newer.strata");
    CHECK_THROWS_WITH(strata::load_learner(dir / "newer.strata"),
                      Contains("newer.strata") && Contains("format version 2"));
  }
  SECTION("changed weights fail the checksum") {
    strata::PickleValue root = strata::read_pth(good);
    for (auto& [k, v] : root.as_pairs())
      if (k.as_string() == "model") {
        const auto& [name, t] = v.as_pairs().front();
        (void)name;
        t.as_tensor().add_(1.0);
      }
    strata::save_pth(root, dir / "tampered.strata");
    CHECK_THROWS_WITH(strata::load_learner(dir / "tampered.strata"), Contains("checksum") && Contains("tampered.strata"));
  }
  SECTION("a truncated file") {
    const auto bytes = fs::file_size(good);
    fs::copy_file(good, dir / "cut.strata");
    fs::resize_file(dir / "cut.strata", bytes / 2);
    CHECK_THROWS_AS(strata::load_learner(dir / "cut.strata"), strata::IOError);
  }
  SECTION("a transform that runs at inference and has no codec cannot be exported") {
    learn->dls().add_after_batch({std::make_shared<strata::LambdaTransform>(
        "MyTweak", std::map<strata::Kind, strata::Transform::EncodeFn>{})});
    learn->set_inference(strata::inference_spec(learn->dls()));
    CHECK_THROWS_WITH(learn->export_learner(dir / "custom.strata"),
                      Contains("'MyTweak' runs at inference") && Contains("register_transform_codec"));
    CHECK_FALSE(fs::exists(dir / "custom.strata"));
  }
  SECTION("a transform spec with an unknown setting names it and the known ones") {
    const nlohmann::json spec{{"name", "Resize"}, {"args", {{"size", {8, 8}}, {"method", "stretch"}, {"pad_mode", "zeros"}}}};
    CHECK_THROWS_WITH(strata::decode_transform(spec), Contains("unknown method 'stretch' (crop, pad, squish)"));
    CHECK_THROWS_WITH(strata::decode_transform({{"name", "Blur"}, {"args", {}}}), Contains("no TransformCodec 'Blur'"));
  }
  SECTION("a recipe whose builder this process does not know") {
    learn->set_recipe({"no_such_builder", {}});
    learn->export_learner(dir / "unknown.strata");
    CHECK_THROWS_WITH(strata::load_learner(dir / "unknown.strata"), Contains("no_such_builder"));
  }
}

TEST_CASE("The Siamese model exports with its recipe and predicts pairs", "[learner]") {
  strata_test::TempDir dir;
  const auto files = fashion_files(dir.path(), 8);
  strata::RegexLabeller label(R"(^(.*)_\d+\.png$)");
  const auto splits = strata::RandomSplitter(0.25, 1)(files);
  auto tfm = std::make_shared<SiameseTransform>(files, label, splits, 1);
  strata::TfmdLists tls(files, strata::Pipeline({tfm}), splits);
  auto dls = strata::dataloaders(
      tls, strata::DataLoadersOptions().bs(8).num_workers(0).seed(1)
               .after_item(strata::Pipeline({std::make_shared<strata::Resize>(32), std::make_shared<strata::ToTensor>()}))
               .after_batch(strata::Pipeline({std::make_shared<strata::IntToFloatTensor>(),
                                              strata::Normalize::from_stats(strata::imagenet_stats)})));
  torch::manual_seed(0);
  auto arch = strata::model_meta("resnet18").make();
  auto encoder = strata::create_body(arch.layers, strata::BodyOptions().cut(-2));
  auto head = strata::create_head(strata::num_features_model(encoder) * 2, 2, strata::HeadOptions().ps({0.5}));
  strata::Learner learn(dls, strata::SiameseModel(encoder, head),
                        strata::LearnerOptions().loss_func(strata::CrossEntropyLossFlat()).splitter(strata::siamese_splitter));
  learn.set_recipe(strata::siamese_recipe("resnet18", 2, -2, strata::HeadOptions().ps({0.5})));
  learn.inference().vocab = {"different", "same"};
  CHECK(learn.inference().n_inp == 2);
  const strata::InputFiles pair = {files[0], files[1]};
  const auto here = learn.predict(pair);
  CHECK((here.label == "different" || here.label == "same"));
  learn.export_learner(dir / "siamese.strata");
  auto loaded = strata::load_learner(dir / "siamese.strata");
  const auto there = loaded->predict(pair);
  CHECK(there.label == here.label);
  CHECK((there.probs - here.probs).abs().max().item<double>() < 1e-6);
  CHECK_THROWS_WITH(loaded->predict(files[0]), Contains("1 file") && Contains("takes 2"));
#ifdef STRATA_PREDICT_EXE
  const auto output = run(std::string(STRATA_PREDICT_EXE) + " --pair --probs " + (dir / "siamese.strata").string() +
                          " " + files[0].string() + " " + files[1].string());
  CHECK_THAT(output, Contains(here.label));
  const auto rows = parse_probs(output);
  REQUIRE(rows.size() == 1);
  CHECK(std::abs(rows[0][1] - here.probs[1].item<double>()) < 1e-6);
#endif
}

TEST_CASE("tta: augmented passes averaged and mixed with the plain predictions by beta", "[learner]") {
  strata_test::TempDir dir;
  const auto files = fashion_files(dir.path(), 8);
  std::ostringstream out;
  auto learn = small_classifier(files, out);
  const auto plain = learn->get_preds(1);
  const auto augmented = learn->tta(1, 2, std::nullopt);
  const auto mixed = learn->tta(1, 2, 0.25);
  CHECK(mixed.preds.sizes() == plain.preds.sizes());
  CHECK(mixed.targets.equal(plain.targets));
  CHECK((augmented.preds.sum(1) - 1).abs().max().item<double>() < 1e-5);
  CHECK(torch::allclose(mixed.preds, 0.75 * augmented.preds + 0.25 * plain.preds, 1e-5, 1e-6));
  CHECK(torch::allclose(learn->tta(1, 2, 1.0).preds, plain.preds, 1e-5, 1e-6));
  // Random training-time crops make the augmented passes differ from the plain one.
  CHECK_FALSE(torch::allclose(augmented.preds, plain.preds, 1e-4, 1e-5));
}

TEST_CASE("Learner::summary: layers, shapes, counts, trainable flags and the frozen state", "[learner]") {
  strata_test::TempDir dir;
  const auto files = fashion_files(dir.path(), 8);
  std::ostringstream out;
  auto learn = small_classifier(files, out);
  learn->freeze();
  const std::string s = learn->summary();
  INFO(s);
  const auto n = std::to_string(learn->dls().valid().n_items());  // one validation batch
  CHECK_THAT(s, Contains("Input shape: " + n + " x 3 x 32 x 32"));
  CHECK_THAT(s, Contains("Conv2d") && Contains("BatchNorm2d") && Contains("AdaptiveConcatPool2d"));
  CHECK_THAT(s, Contains(n + " x 64 x 16 x 16"));  // after the stem conv
  CHECK_THAT(s, Contains("Output shape: " + n + " x 3"));
  const int64_t total = strata::count_parameters(learn->module());
  const int64_t trainable = strata::count_parameters(learn->module(), true);
  CHECK(trainable < total);
  CHECK_THAT(s, Contains("Total params: 11,"));
  CHECK_THAT(s, Contains("Model frozen up to parameter group #2"));
  CHECK_THAT(s, Contains("Partly"));  // frozen body blocks keep their BatchNorm trainable
  learn->unfreeze();
  CHECK_THAT(learn->summary(), Contains("Model unfrozen"));
}
