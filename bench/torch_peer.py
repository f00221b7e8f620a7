"""The PyTorch peer of bench/throughput.ts: the same networks on the same embedded digits, batch 64, Adam.
Run with Debian's python3-torch (/usr/bin/python3) or the venv's pip torch: PY bench/torch_peer.py --model cnn --steps 30 --threads 2"""
import json, time
import torch
import torch.nn as nn
from peer_common import digits, peer_args

a = peer_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
images, labels = digits(a.data)
x = torch.tensor(images, dtype=torch.float32).unsqueeze(1) / 255
y = torch.tensor(labels, dtype=torch.long)
order = torch.randperm(len(y))

if a.model == "cnn":
    net = nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
else:
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.Adam(net.parameters(), lr=0.001)
loss_fn = nn.CrossEntropyLoss()

times = []
for step in range(a.steps + 1):
    rows = order[(step * 64) % 9984:(step * 64) % 9984 + 64]
    t0 = time.perf_counter()
    opt.zero_grad()
    loss = loss_fn(net(x[rows]), y[rows])
    loss.backward()
    opt.step()
    loss.item()
    times.append(time.perf_counter() - t0)
ms = 1000 * sum(times[1:]) / a.steps
print(json.dumps({"engine": f"pytorch-{torch.__version__.split('+')[0]}-{a.threads}t", "model": a.model, "steps": a.steps, "msPerStep": ms, "samplesPerSec": 64000 / ms}))
