# The Siamese flow of examples/pets_siamese at small scale, in plain PyTorch (Debian's
# python3-torch + torchvision + PIL): the Python side of bench_siamese_epoch. Same work as the
# C++ side: per pair, two PNGs decoded and resized to SIZE, a resnet18 body (random init) on
# both, a fastai-style head, Adam, one epoch; prints the median seconds of RUNS epochs.
import random, re, sys, time
from pathlib import Path
import torch, torch.nn as nn, torchvision
from PIL import Image

folder, size, bs, workers, runs = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.manual_seed(0); random.seed(0)
files = sorted(folder.glob("*.png"))
label = lambda f: re.match(r"^(.*)_\d+\.png$", f.name).group(1)
by_label = {}
for f in files: by_label.setdefault(label(f), []).append(f)
mean, std = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1), torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)

def load(f):
    img = Image.open(f).convert("RGB").resize((size, size), Image.BILINEAR)
    return torchvision.transforms.functional.pil_to_tensor(img)

class Pairs(torch.utils.data.Dataset):
    def __len__(self): return len(files)
    def __getitem__(self, i):
        f = files[i]; same = random.random() < 0.5
        cls = label(f) if same else random.choice([c for c in by_label if c != label(f)])
        return load(f), load(random.choice(by_label[cls])), int(same)

class ConcatPool(nn.Module):
    def forward(self, x): return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)

class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(*list(torchvision.models.resnet18().children())[:-2])
        self.head = nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(2048), nn.Dropout(0.25),
                                  nn.Linear(2048, 512, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(512),
                                  nn.Dropout(0.5), nn.Linear(512, 2, bias=False))
    def forward(self, a, b): return self.head(torch.cat([self.encoder(a), self.encoder(b)], 1))

model = Siamese()
opt = torch.optim.AdamW(model.parameters(), 1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)
dl = torch.utils.data.DataLoader(Pairs(), batch_size=bs, shuffle=True, drop_last=True, num_workers=workers,
                                 persistent_workers=workers > 0)
lf = nn.CrossEntropyLoss()

def epoch():
    model.train()
    for a, b, y in dl:
        a = (a.float() / 255 - mean) / std; b = (b.float() / 255 - mean) / std
        loss = lf(model(a, b), y); loss.backward(); opt.step(); opt.zero_grad()

epoch()
times = []
for _ in range(runs):
    t = time.perf_counter(); epoch(); times.append(time.perf_counter() - t)
print(sorted(times)[len(times) // 2])
