# The real fastai side of bench_fastai_e2e: fastai's Siamese tutorial ("custom new task"), as
# examples/pets_siamese runs it, on the same files and the same pretrained body:
#
#   files = get_image_files(DIR/images); splits = RandomSplitter(seed=SEED)(files)
#   tls = TfmdLists(files, SiameseTransform(files, label_func, splits), splits=splits)
#   dls = tls.dataloaders(bs=BS, after_item=[Resize(SIZE), ToTensor],
#                         after_batch=[IntToFloatTensor, Normalize.from_stats(*imagenet_stats)])
#   encoder = create_body(resnet18 with WEIGHTS, cut=-2); head = create_head(512*2, 2, ps=0.5)
#   learn = Learner(dls, SiameseModel(encoder, head), loss_func=CrossEntropyLossFlat(),
#                   splitter=siamese_splitter, metrics=accuracy)
#   learn.freeze(); learn.fit_one_cycle(FROZEN, LR)
#   learn.unfreeze(); learn.fit_one_cycle(UNFROZEN, slice(LR_UNFROZEN/100, LR_UNFROZEN))
#
# Prints one `phase NAME SECONDS` line per phase (the training part of each epoch, each
# validation, each fit, the whole run from the files to the last epoch) and the final accuracy.
# Needs fastai 2.7.13 on the path (bench/fastai_e2e.sh installs it into a private folder).
#
#   python3 bench/fastai_e2e.py DIR WEIGHTS SIZE BS FROZEN UNFROZEN LR LR_UNFROZEN SEED THREADS
import random
import re
import sys
import time

start = time.perf_counter()
import torch
from fastai.vision.all import (Callback, CrossEntropyLossFlat, IntToFloatTensor, Learner, Normalize, PILImage,
                               RandomSplitter, Resize, ToTensor, TfmdLists, Transform, accuracy, create_body,
                               Module, create_head, fastuple, get_image_files, imagenet_stats, params, resnet18,
                               set_seed)


folder, weights, size, bs, frozen, unfrozen, lr, lr_unfrozen, seed, threads = sys.argv[1:11]
size, bs, frozen, unfrozen, seed, threads = map(int, (size, bs, frozen, unfrozen, seed, threads))
lr, lr_unfrozen = float(lr), float(lr_unfrozen)
torch.set_num_threads(threads)
set_seed(seed)


class SiameseImage(fastuple):
    pass


def label_func(f):
    return re.match(r"^(.*)_\d+\.(jpg|png)$", f.name).group(1)


class SiameseTransform(Transform):  # the tutorial's, unchanged
    def __init__(self, files, label_func, splits):
        self.labels = files.map(label_func).unique()
        self.lbl2files = {l: [f for f in files if label_func(f) == l] for l in self.labels}
        self.label_func = label_func
        self.valid = {f: self._draw(f) for f in files[splits[1]]}

    def encodes(self, f):
        f2, t = self.valid.get(f, self._draw(f))
        img1, img2 = PILImage.create(f), PILImage.create(f2)
        return SiameseImage(img1, img2, int(t))

    def _draw(self, f):
        same = random.random() < 0.5
        cls = self.label_func(f)
        if not same: cls = random.choice([l for l in self.labels if l != cls])
        return random.choice(self.lbl2files[cls]), same


class SiameseModel(Module):
    def __init__(self, encoder, head):
        self.encoder, self.head = encoder, head

    def forward(self, x1, x2):
        return self.head(torch.cat([self.encoder(x1), self.encoder(x2)], dim=1))


def siamese_splitter(model):
    return [params(model.encoder), params(model.head)]


class PhaseTimer(Callback):
    "Seconds of each epoch's training and validation, and of the training steps' parts: forward,\n"
    "loss, backward, optimizer step, and the time between batches (loader, batch transforms)."
    order = 99

    def before_train(self): self.t = self.last = time.perf_counter()
    def after_train(self): phases.append((f"train_{self.tag}", time.perf_counter() - self.t))
    def before_validate(self): self.t = time.perf_counter()
    def after_validate(self): phases.append((f"valid_{self.tag}", time.perf_counter() - self.t))

    def part(self, name):
        now = time.perf_counter()
        if self.training:
            phases.append((f"{name}_{self.tag}", now - self.last))
        self.last = now

    def before_batch(self): self.part("between")
    def after_pred(self): self.part("forward")
    def after_loss(self): self.part("loss")
    def before_backward(self): self.part("loss")
    def after_backward(self): self.part("backward")
    def before_step(self): self.part("other")
    def after_step(self): self.part("step")
    def after_batch(self): self.part("other")


phases = []
files = get_image_files(f"{folder}/images")
splits = RandomSplitter(seed=seed)(files)
tls = TfmdLists(files, SiameseTransform(files, label_func, splits), splits=splits)
dls = tls.dataloaders(bs=bs, after_item=[Resize(size), ToTensor],
                      after_batch=[IntToFloatTensor, Normalize.from_stats(*imagenet_stats)])
state = torch.load(weights)  # torchvision names, with the pretraining task's fc
arch = resnet18(num_classes=state["fc.weight"].shape[0])
arch.load_state_dict(state)
encoder = create_body(arch, cut=-2)
head = create_head(512 * 2, 2, ps=0.5)
timer = PhaseTimer()
learn = Learner(dls, SiameseModel(encoder, head), loss_func=CrossEntropyLossFlat(), splitter=siamese_splitter,
                metrics=accuracy, cbs=[timer])
setup = time.perf_counter() - start

t = time.perf_counter()
timer.tag = "frozen"
with learn.no_bar(), learn.no_logging():
    learn.freeze()
    learn.fit_one_cycle(frozen, lr)
    fit_frozen = time.perf_counter() - t
    t = time.perf_counter()
    timer.tag = "unfrozen"
    learn.unfreeze()
    learn.fit_one_cycle(unfrozen, slice(lr_unfrozen / 100, lr_unfrozen))
fit_unfrozen = time.perf_counter() - t

print(f"phase setup {setup:.4f}")
totals = {}
for name, seconds in phases:
    totals[name] = totals.get(name, 0.0) + seconds
for name, seconds in totals.items():
    print(f"phase {name} {seconds:.4f}")
print(f"phase fit_frozen {fit_frozen:.4f}")
print(f"phase fit_unfrozen {fit_unfrozen:.4f}")
print(f"phase total {time.perf_counter() - start:.4f}")
print(f"accuracy {float(learn.recorder.values[-1][2]):.4f}")
