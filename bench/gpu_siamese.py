# The Python side of bench_gpu_siamese (scripts/gpu-check.sh): the same Pets Siamese flow in plain
# PyTorch + torchvision + PIL on the same JPEGs, written the way a PyTorch user writes it, with
# fastai's pieces spelled out: per pair two JPEGs decoded and Resize(size) (fastai's crop: random
# square crop in training, centre crop in validation, bilinear), uint8 to the device through pinned
# memory, IntToFloat + ImageNet Normalize there, a resnet body (random init) on both images, fastai's
# head (concat pool, BN, dropout, linear), frozen body with BatchNorm training (fastai train_bn),
# AdamW (fastai's Adam with wd 0.01, betas 0.9/0.99, eps 1e-5), one-cycle. Prints the same table
# as the C++ side: the loader alone, then one epoch (train + validate) per setting after a warm-up,
# each after an untimed one, then the model alone on decoded images held in memory.
#
#   python3 bench/gpu_siamese.py --data DIR [--device cuda] [--arch resnet34] [--size 224] [--bs 64]
#                                [--workers -1]   (DIR/images/*.jpg, as bench_gpu_siamese writes them)
import argparse, contextlib, os, random, re, sys, time
from pathlib import Path

import torch, torch.nn as nn, torchvision
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
p.add_argument("--arch", default="resnet34")
p.add_argument("--size", type=int, default=224)
p.add_argument("--bs", type=int, default=64)
p.add_argument("--workers", type=int, default=-1)
p.add_argument("--per-class", type=int, default=0)  # accepted for the same command line; files come from --data
a = p.parse_args()
device = torch.device(a.device)
workers = os.cpu_count() if a.workers < 0 else a.workers
torch.manual_seed(42); random.seed(42)
torch.backends.cudnn.benchmark = True  # fastai's default on CUDA, as strata's

files = sorted((Path(a.data) / "images").glob("*.jpg"))
label = lambda f: re.match(r"^(.*)_\d+\.jpg$", f.name).group(1)
order = torch.randperm(len(files), generator=torch.Generator().manual_seed(42)).tolist()
cut = int(0.2 * len(files))
splits = {"valid": [files[i] for i in order[:cut]], "train": [files[i] for i in order[cut:]]}
by_label = {s: {} for s in splits}
for s, fs in splits.items():
    for f in fs: by_label[s].setdefault(label(f), []).append(f)


def draw(f, split, rng):
    same = rng.random() < 0.5
    cls = label(f) if same else rng.choice([c for c in by_label[split] if c != label(f)])
    return rng.choice(by_label[split][cls]), same


def load(f, train):
    img = Image.open(f).convert("RGB")
    w, h = img.size; m = min(w, h)
    x = random.randint(0, w - m) if train else (w - m) // 2
    y = random.randint(0, h - m) if train else (h - m) // 2
    img = img.resize((a.size, a.size), Image.BILINEAR, box=(x, y, x + m, y + m))
    return torchvision.transforms.functional.pil_to_tensor(img)


class Pairs(torch.utils.data.Dataset):
    def __init__(self, split):
        self.split, self.files = split, splits[split]
        rng = random.Random(42)  # fixed validation pairs, as fastai's tutorial
        self.fixed = {f: draw(f, split, rng) for f in self.files} if split == "valid" else {}

    def __len__(self): return len(self.files)

    def __getitem__(self, i):
        f = self.files[i]
        f2, same = self.fixed.get(f) or draw(f, self.split, random)
        train = self.split == "train"
        return load(f, train), load(f2, train), int(same)


def loader(split):
    return torch.utils.data.DataLoader(Pairs(split), batch_size=a.bs, shuffle=split == "train", drop_last=split == "train",
                                       num_workers=workers, pin_memory=device.type == "cuda", persistent_workers=workers > 0)


class ConcatPool(nn.Module):
    def forward(self, x): return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(*list(getattr(torchvision.models, a.arch)().children())[:-2])
        with torch.no_grad(): nf = 2 * 2 * self.encoder.eval()(torch.zeros(1, 3, 64, 64)).shape[1]  # concat pool of a pair
        self.head = nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(nf), nn.Dropout(0.25),
                                  nn.Linear(nf, 512, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(512),
                                  nn.Dropout(0.5), nn.Linear(512, 2, bias=False))

    def forward(self, x1, x2): return self.head(torch.cat([self.encoder(x1), self.encoder(x2)], 1))


def freeze(model, frozen):
    for m in model.encoder.modules():
        for q in m.parameters(recurse=False):
            q.requires_grad_(not frozen or isinstance(m, nn.modules.batchnorm._BatchNorm))


mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1) * 255
std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1) * 255
dls = {s: loader(s) for s in splits}
model = Siamese().to(device)
lf = nn.CrossEntropyLoss()
settings = {"fp16": False, "channels_last": False}


def prepare(x):
    x = (x.to(device, non_blocking=True).float() - mean) / std
    return x.contiguous(memory_format=torch.channels_last) if settings["channels_last"] else x


def autocast():
    return torch.autocast(device.type, dtype=torch.float16) if settings["fp16"] else contextlib.nullcontext()


def fit_one_cycle_epoch(lr=3e-3, dls=dls):
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=len(dls["train"]), pct_start=0.25,
                                                div_factor=25, final_div_factor=1e5, base_momentum=0.85, max_momentum=0.95)
    amp = torch.amp if hasattr(torch.amp, "GradScaler") else None  # torch >= 2.3; torch.cuda.amp before
    scaler = amp.GradScaler(device.type, enabled=settings["fp16"]) if amp else torch.cuda.amp.GradScaler(enabled=settings["fp16"])
    model.train()
    for x1, x2, y in dls["train"]:
        y = y.to(device, non_blocking=True)
        with autocast():
            loss = lf(model(prepare(x1), prepare(x2)).float(), y)
        scaler.scale(loss).backward()
        scaler.step(opt); scaler.update(); opt.zero_grad(set_to_none=True); sched.step()
    model.eval()
    correct = n = 0
    with torch.no_grad(), autocast():
        for x1, x2, y in dls["valid"]:
            y = y.to(device, non_blocking=True)
            correct += (model(prepare(x1), prepare(x2)).argmax(1) == y).sum(); n += len(y)
    return (correct / n).item()


def sync():
    if device.type == "cuda": torch.cuda.synchronize()


train_pairs, valid_pairs = len(splits["train"]), len(splits["valid"])
print(f"Siamese (PyTorch {torch.__version__}): {len(files)} JPEGs, {train_pairs} training / {valid_pairs} validation "
      f"pairs, {a.size} px, {a.arch}, bs {a.bs}, device {device}, {workers} loader workers")
for _ in dls["train"]: pass  # warm-up: worker start, page cache
t = time.perf_counter(); images = 0
for x1, x2, y in dls["train"]:
    x1.to(device, non_blocking=True); x2.to(device, non_blocking=True); images += 2 * len(y)
sync()
print(f"| loader only (decode, resize, collate, to {device}) | {images / (time.perf_counter() - t):.0f} images/s |")

freeze(model, True)
print("| run | epoch (train + valid) | images/s | accuracy |\n|---|---|---|---|")


def epoch(name):
    fit_one_cycle_epoch()  # untimed: cuDNN's algorithm search for this dtype, layout and set of gradients
    sync(); t = time.perf_counter()
    acc = fit_one_cycle_epoch()
    sync(); s = time.perf_counter() - t
    print(f"| {name} | {s:.2f} s | {2 * (train_pairs + valid_pairs) / s:.0f} | {acc:.3f} |", flush=True)


epoch("fp32, frozen body")
if device.type == "cuda":
    settings["fp16"] = True
    epoch("to_fp16(), frozen body")
    settings["channels_last"] = True
    model.to(memory_format=torch.channels_last)
    epoch("to_fp16() + to_channelslast(), frozen body")
    freeze(model, False)
    epoch("to_fp16() + to_channelslast(), unfrozen")
else:
    freeze(model, False)
    epoch("fp32, unfrozen")

class InMemory(torch.utils.data.Dataset):  # 50 training / 10 validation batches of decoded images
    pool = [torch.randint(0, 256, (3, a.size, a.size), dtype=torch.uint8) for _ in range(2 * a.bs)]
    def __init__(self, n): self.n = n
    def __len__(self): return self.n
    def __getitem__(self, i):
        return self.pool[2 * i % len(self.pool)], self.pool[(2 * i + 1) % len(self.pool)], i % 2


memory = {s: torch.utils.data.DataLoader(InMemory(n * a.bs), batch_size=a.bs, shuffle=s == "train", drop_last=s == "train",
                                         num_workers=workers, pin_memory=device.type == "cuda", persistent_workers=workers > 0)
          for s, n in [("train", 50), ("valid", 10)]}
fit_one_cycle_epoch(1e-4, memory)  # warm-up
sync(); t = time.perf_counter()
fit_one_cycle_epoch(1e-4, memory)
sync(); s = time.perf_counter() - t
mode = "to_fp16() + to_channelslast(), " if device.type == "cuda" else ""
print(f"| model only ({mode}unfrozen, decoded images in memory) | {s:.2f} s | {2 * 60 * a.bs / s:.0f} | - |")
if device.type == "cuda":
    print(f"peak GPU memory allocated by PyTorch: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
# Leave at once: at interpreter exit each persistent worker is joined with a 5 s timeout; on the
# GPU machine the process lived ~320 s past its last line (4 loaders x 16 workers x 5 s).
sys.stdout.flush()
os._exit(0)
