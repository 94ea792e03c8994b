"""Trains sana-shapes: a small DC-AE, then a small Linear DiT with flow matching and a small Gemma-2 text encoder.

    PYTHONPATH=<diffusers src> python3 training/train.py --data shapes-train.jsonl.gz --out OUT [--budget-s 480]
        [--resume DIR]

Stages, each under a wall-clock share of --budget-s (so a run fits a 10-minute slot):
  1. vae: AutoencoderDC (f32, ResBlock + EfficientViT stages) on rendered 512x512 scenes, L1 + L2 (objects x10).
  2. latents: every training scene rendered and encoded once; scaling_factor = 1 / std.
  3. dit: SanaTransformer2DModel (linear attention, Mix-FFN, adaLN-single, NoPE) on flow matching
     (x_t = (1 - s) x0 + s eps, target eps - x0), jointly with the Gemma-2 encoder, which is frozen for the last
     part (see README.md); 10 % of captions dropped for classifier-free guidance; EMA of the DiT.
Checkpoints (vae.pt, dit.pt, ema.pt) and the exported model (sana-shapes.tar, the diffusers folder layout in
fp16) are written to --out every --ckpt-every-s seconds and at the end; --resume DIR continues from them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import tarfile
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

from shapes_data import Ops, load_scenes, render_batch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
T0 = time.time()
LOG = None


def log(*a):
    msg = f"[{time.time() - T0:7.1f}s] " + " ".join(str(x) for x in a)
    print(msg, flush=True)
    if LOG:
        LOG.write(msg + "\n")
        LOG.flush()


def cfg(name):
    return json.load(open(os.path.join(HERE, "configs", f"{name}.json")))


def atomic_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


class StepPlanner:
    """Sizes the DiT's cosine schedule to the wall-clock budget, and sizes it again as the step time changes.

    One estimate from the first steps after warm-up was off both ways: runs 7C / 7D and 10H planned at the speed
    with the encoder training (96 ms) and then ran its frozen part at 65 ms, ending 150-200 s early; run 10G planned
    at 57.9 ms, ran at 62 and hit the budget 1,466 steps short of its plan, its learning rate not yet decayed. So the
    first plan comes at `warmup + first` steps (the speed after cuDNN's tuning and the --amp choice), and every
    `every` steps after it the plan is redone from the speed of those steps. `observe` is called before each step
    with the seconds elapsed and returns the new total when it plans, else None."""

    def __init__(self, s0, budget_s, warmup=110, first=50, every=500):
        self.s0, self.budget_s, self.warmup, self.first, self.every = s0, budget_s, warmup, first, every
        self.mark = None  # (step, elapsed) the current speed is measured from
        self.span = first  # steps to measure it over: `first` for the first plan, `every` after
        self.per = None

    def observe(self, step, elapsed):
        if step - self.s0 == self.warmup:
            self.mark = (step, elapsed)
            return None
        if self.mark is None or step - self.mark[0] < self.span:
            return None
        self.per = (elapsed - self.mark[1]) / (step - self.mark[0])  # seconds per step, lately
        self.mark, self.span = (step, elapsed), self.every
        return step + int(max(0.0, self.budget_s - elapsed) / max(self.per, 1e-9))


def pe_fade_at(step, s0, total, frac):
    """--pos-embed-fade F: the factor on the positional embedding before this step: 1 at the run's start, falling
    linearly to 0 at F of its steps (and 0 after). Before the first plan (total None) it stays 1."""
    if total is None:
        return 1.0
    span = max(1.0, frac * (total - s0))
    return max(0.0, 1.0 - (step - s0) / span)


def drop_pos_embed(*models):
    """Makes DiTs NoPE in place: no embedding in the forward pass, and `interpolation_scale` null in the config they
    export (the embedding is a non-persistent buffer, so no weight changes)."""
    for m in models:
        m.patch_embed.pos_embed = None
        m.register_to_config(interpolation_scale=None)


def lr_at(step, total, base, warmup, floor=0.1):
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


# ---------------------------------------------------------------------------------------------- models


def dit_overrides(args, smoke=False, base=None):
    """Config changes of the DiT asked on the command line. --pos-embed S sets `interpolation_scale`, which makes
    diffusers' SanaTransformer2DModel add a fixed 2-D sin-cos positional embedding to the patch embedding (as the
    official Sana 1600M 4Kpx config does with 2.0); it has no weights, so a NoPE model's weights load unchanged."""
    if smoke and args is not None and getattr(args, "pos_embed_fade", None) and args.pos_embed is None \
            and (base or {}).get("interpolation_scale") is None:
        # the smoke DiT is built from configs/transformer.json (NoPE since run 13), where a real --pos-embed-fade run
        # starts from an --init-from model with an embedding: give the smoke one too, so that the fade is exercised
        return {"interpolation_scale": 1.0}
    if args is None or args.pos_embed is None:
        return {}
    # 0 asks for none (NoPE, as Sana 1024px): the key is set to null rather than left out, so that it overrides a
    # config or an --init-from model that has one
    return {"interpolation_scale": float(args.pos_embed) if args.pos_embed > 0 else None}


def build_models(device, args=None, smoke=False):
    from diffusers import AutoencoderDC, SanaTransformer2DModel
    from transformers import Gemma2Config, Gemma2Model

    vae = AutoencoderDC.from_config(cfg("vae")).to(device)
    dit = SanaTransformer2DModel.from_config({**cfg("transformer"), **dit_overrides(args, smoke, cfg("transformer"))}).to(device)
    te_cfg = Gemma2Config.from_dict(cfg("text_encoder"))
    try:
        te_cfg._attn_implementation = "eager"  # soft-capped attention logits: eager is the exact path
    except Exception as e:  # noqa: BLE001
        log(f"could not select eager attention: {e}")
    te = Gemma2Model(te_cfg).to(device)
    log(f"text encoder attention: {getattr(te.config, '_attn_implementation', '?')}")
    init_dit(dit)
    return vae, dit, te


@torch.no_grad()
def init_dit(dit):
    """PixArt / Sana initialisation: xavier linears, zero cross-attention outputs and zero output projection."""
    for name, m in dit.named_modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)
    for name, m in dit.named_modules():
        if name.endswith("attn2.to_out.0") or name == "proj_out":
            torch.nn.init.zeros_(m.weight)
            torch.nn.init.zeros_(m.bias)
    for name, p in dit.named_parameters():
        if "timestep_embedder" in name and name.endswith("weight"):
            torch.nn.init.normal_(p, std=0.02)


# ---------------------------------------------------------------------------------------------- data


_SCENES = {}


class Data:
    def __init__(self, path, device, limit=None):
        s = _SCENES.get(path) or _SCENES.setdefault(path, load_scenes(path))
        n = len(s) if limit is None else min(limit, len(s))
        self.header, self.n, self.device = s.header, n, device
        self.bgs, self.objs = s.backgrounds[:n], s.objects[:n]
        lmax = max(len(t) for t in s.tails[:n])
        tails = np.zeros((n, lmax), dtype=np.int64)
        mask = np.zeros((n, lmax), dtype=np.int64)
        for i, t in enumerate(s.tails[:n]):
            tails[i, : len(t)] = t
            mask[i, : len(t)] = 1
        self.tails = torch.from_numpy(tails).to(device)
        self.tail_mask = torch.from_numpy(mask).to(device)
        self.prefix = torch.tensor(self.header["prefix_ids"], device=device)
        self.ops = Ops("torch", device)
        self.size = self.header["size"]

    def images(self, idx):
        """Rendered scenes as [B, 3, 512, 512] in [-1, 1], and a mask of object pixels [B, 1, H, W]."""
        idx = [int(i) for i in idx]
        img = render_batch(self.header, [self.bgs[i] for i in idx], [self.objs[i] for i in idx], self.size, self.ops)
        bg = torch.tensor([self.header["backgrounds"][self.bgs[i]] for i in idx], device=self.device, dtype=torch.float32)
        obj = ((img - bg[:, :, None, None]).abs().sum(1, keepdim=True) > 6).float()
        return img / 127.5 - 1.0, obj


def encode_text(te, prefix, tails, tmask, drop_p=0.0):
    """Gemma-2 states for CHI-prefixed captions (`tails`: caption ids after the shared prefix), laid out as the
    pipeline hands them to the DiT: position 0 (<bos>), then the caption tokens (the pipeline keeps <bos> and the
    last `max_sequence_length - 1` positions of its padded row, which start exactly where the caption starts; the
    rest of them is padding and masked out)."""
    b, k = tails.shape[0], prefix.numel()
    ids = torch.cat([prefix.expand(b, -1), tails], 1)
    am = torch.cat([torch.ones(b, k, dtype=torch.long, device=ids.device), tmask], 1)
    h = te(input_ids=ids, attention_mask=am, use_cache=False).last_hidden_state
    enc = torch.cat([h[:, :1], h[:, k:]], 1)
    mask = torch.cat([torch.ones(b, 1, dtype=torch.long, device=ids.device), tmask], 1)
    if drop_p > 0:  # the negative prompt "" is <bos> alone: the same state at position 0 and nothing else
        drop = torch.rand(b, device=ids.device) < drop_p
        mask = mask.masked_fill(drop[:, None], 0)
        mask[:, 0] = 1
    return enc, mask


# ---------------------------------------------------------------------------------------------- stage 1: DC-AE


def weighted_rec_loss(rec, x, w):
    """The autoencoder's reconstruction loss: L1 + L2, each pixel weighted by w."""
    return (w * (rec - x).abs()).mean() + (w * (rec - x) ** 2).mean()


def train_vae(vae, data, args, state, budget_s, out):
    if state.get("done"):
        log("vae: done in checkpoint, skipping")
        return
    opt = torch.optim.AdamW(vae.parameters(), lr=args.vae_lr, betas=(0.9, 0.99), weight_decay=0.0)
    step = state.get("step", 0)
    total = state.get("total") or args.vae_steps
    t_start, t_ckpt = time.time(), time.time()
    g = torch.Generator().manual_seed(1234 + step)
    t10 = time.time()
    while True:
        elapsed = time.time() - t_start
        if step >= (total or 10**9) or elapsed > budget_s:
            break
        if step == 10:
            t10 = time.time()
        if total is None and step == 40:  # size the cosine schedule from the step time after warm-up (cudnn tuning)
            per = (time.time() - t10) / 30
            total = 40 + int((budget_s - elapsed) / per)
            log(f"vae: {per * 1000:.1f} ms/step -> {total} steps")
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, total or 10**6, args.vae_lr, 100)
        idx = torch.randint(0, data.n, (args.vae_batch,), generator=g)
        x, obj = data.images(idx)
        rec = vae.decoder(vae.encoder(x))
        w = 1.0 + 9.0 * obj
        loss = weighted_rec_loss(rec, x, w)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 100 == 0:
            psnr = -10 * math.log10(((rec.detach() - x) ** 2).mean().item() / 4 + 1e-12)
            log(f"vae step {step}/{total} loss {loss.item():.4f} psnr {psnr:.2f} dB")
        if time.time() - t_ckpt > args.ckpt_every_s:
            atomic_save({"vae": vae.state_dict(), "step": step, "total": total, "done": False}, f"{out}/vae.pt")
            t_ckpt = time.time()
    state.update(step=step, total=total, done=True)
    atomic_save({"vae": vae.state_dict(), "step": step, "total": total, "done": True}, f"{out}/vae.pt")
    log(f"vae: {step} steps, {time.time() - t_start:.0f} s")


@torch.no_grad()
def encode_all(vae, data, batch=128):
    """Every scene rendered and encoded once: [N, C, 16, 16] float16 on the GPU, and the scaling factor."""
    out = []
    for s in range(0, data.n, batch):
        x, _ = data.images(range(s, min(data.n, s + batch)))
        out.append(vae.encoder(x).half())
    lat = torch.cat(out)
    std = lat[: min(20000, len(lat))].float().std().item()
    log(f"latents {tuple(lat.shape)}: mean {lat.float().mean().item():.3f} std {std:.3f}")
    return lat, 1.0 / std


@torch.no_grad()
def vae_psnr(vae, data, n=32):
    x, _ = data.images(range(data.n - n, data.n))
    rec = vae.decoder(vae.encoder(x)).clamp(-1, 1)
    return -10 * math.log10(((rec - x) ** 2).mean().item() / 4 + 1e-12)


def finetune_decoder(vae, data, args, budget_s, out):
    """The decoder alone, the encoder frozen, so the DiT's latents do not move. Stars' thin points were drawn as
    pentagons by the first run's decoder (the evaluator's failures on encode-decode round trips): the loss weights
    object edges (a band around every object's outline) besides the object pixels."""
    vae.requires_grad_(False)
    vae.decoder.requires_grad_(True)
    opt = torch.optim.AdamW(vae.decoder.parameters(), lr=args.dec_lr, betas=(0.9, 0.99), weight_decay=0.0)
    t_start, step, total = time.time(), 0, None
    g = torch.Generator().manual_seed(4321)
    while time.time() - t_start < budget_s and (total is None or step < total):
        if step == 10:
            t10 = time.time()
        if step == 40 and total is None:  # the step time after warm-up (cudnn tuning) sizes the schedule
            per = (time.time() - t10) / 30
            total = 40 + int((budget_s - (time.time() - t_start)) / per)
            log(f"decoder: {per * 1000:.1f} ms/step -> {total} steps")
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, total or 10**6, args.dec_lr, 50)
        idx = torch.randint(0, data.n, (args.vae_batch,), generator=g)
        x, obj = data.images(idx)
        with torch.no_grad():
            z = vae.encoder(x)
        rec = vae.decoder(z)
        band = F.max_pool2d(obj, 9, 1, 4) - (-F.max_pool2d(-obj, 9, 1, 4))  # outline, 4 px each side
        w = 1.0 + 9.0 * obj + 20.0 * band
        loss = weighted_rec_loss(rec, x, w)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.decoder.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 200 == 0:
            psnr = -10 * math.log10(((rec.detach() - x) ** 2).mean().item() / 4 + 1e-12)
            log(f"decoder step {step}/{total} loss {loss.item():.4f} psnr {psnr:.2f} dB")
    vae.requires_grad_(False)
    log(f"decoder: {step} steps, {time.time() - t_start:.0f} s")


class Fp32LinearAttn:
    """diffusers' SanaLinearAttnProcessor2_0 with its two matmuls and the division outside autocast: under bf16
    autocast they would run in bf16, and the normalising division needs the full precision (as in Sana)."""

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None):
        dt = hidden_states.dtype
        q = attn.to_q(hidden_states)
        k = attn.to_k(hidden_states)
        v = attn.to_v(hidden_states)
        q = F.relu(q.transpose(1, 2).unflatten(1, (attn.heads, -1))).float()  # [B, h, d, N]
        k = F.relu(k.transpose(1, 2).unflatten(1, (attn.heads, -1)).transpose(2, 3)).float()  # [B, h, N, d]
        v = v.transpose(1, 2).unflatten(1, (attn.heads, -1)).float()  # [B, h, d, N]
        with torch.autocast("cuda", enabled=False):
            v = F.pad(v, (0, 0, 0, 1), mode="constant", value=1.0)  # [B, h, d + 1, N]
            o = torch.matmul(torch.matmul(v, k), q)  # [B, h, d + 1, N]
            o = o[:, :, :-1] / (o[:, :, -1:] + 1e-15)
        o = o.flatten(1, 2).transpose(1, 2).to(dt)  # [B, N, h * d]
        return attn.to_out[1](attn.to_out[0](o))


def use_fp32_linear_attention(dit):
    from diffusers.models.attention_processor import Attention, SanaLinearAttnProcessor2_0

    n = 0
    for m in dit.modules():
        if isinstance(m, Attention) and isinstance(m.processor, SanaLinearAttnProcessor2_0):
            m.set_processor(Fp32LinearAttn())
            n += 1
    log(f"linear attention in fp32 under autocast: {n} layers")


# ---------------------------------------------------------------------------------------------- stage 3: DiT + text encoder


def flow_sigmas_train(b, device):
    """Half uniform, half logit-normal(0, 1): every noise level, most weight on the middle."""
    u = torch.rand(b, device=device)
    ln = torch.sigmoid(torch.randn(b, device=device))
    return torch.where(torch.rand(b, device=device) < 0.5, u, ln)


SPATIAL_WORDS = ("left", "right", "top", "bottom", "center", "above", "below")


# Words that mark a relation caption only ("left of", "right of", "above", "below"; "of" occurs in no other caption):
# --spatial-words above,below,of oversamples relations without positions, once positions are learnt.
RELATION_WORDS = ("of", "above", "below")


def caption_vocab():
    return json.load(open(os.path.join(REPO, "models", "sana-shapes", "tokenizer", "tokenizer.json")))["model"]["vocab"]


def unknown_words(words):
    """The words of `words` that are not one token of the sana-shapes tokenizer (so could never match a caption)."""
    vocab = caption_vocab()
    return [w for w in words if "\u2581" + w not in vocab]


def spatial_weights(data, frac, words=SPATIAL_WORDS):
    """Per-scene sampling weights that make captions with one of `words` (default: a position or relation word)
    `frac` of the draws (they are about 48 % of the data as sampled; positions and relations are what the model gets
    wrong most)."""
    vocab = caption_vocab()
    ids = torch.tensor([vocab["\u2581" + w] for w in words], device=data.tails.device)
    spatial = (torch.isin(data.tails, ids) & (data.tail_mask > 0)).any(1)  # [N]
    share = spatial.float().mean().item()
    w = torch.where(spatial, frac / max(share, 1e-9), (1 - frac) / max(1 - share, 1e-9))
    log(f"captions with {'/'.join(words)}: {share:.1%} of the scenes, drawn at {frac:.0%} of each batch")
    return w


def read_back_losses(enc, tids, tmask, aux, ctx=None):
    """The text encoder's auxiliary losses (--te-aux, --te-aux-window): (token read-back, context read-back).

    enc [B, 1 + T, D]: the states as the DiT gets them (<bos>, then the caption); tids, tmask [B, T]: the caption's ids
    and mask. Token read-back is a cosine classifier with a fixed scale: the head cannot win by growing its weights,
    only by the states' directions being apart (what the cosine probe measures). Context read-back: head o - 1 of
    `ctx` reads the token o places back from each caption state, a plain linear map of the normalised state."""
    h = F.normalize(enc[:, 1:].float(), dim=-1)  # [B, T, D]: the caption positions
    logits = 16.0 * h @ F.normalize(aux.weight, dim=-1).t()  # [B, T, V]
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tids.reshape(-1), reduction="none")  # [B*T]
    m0 = tmask.reshape(-1).float()
    aux_loss = (ce * m0).sum() / m0.sum().clamp(min=1)
    ctx_loss = torch.zeros((), device=enc.device)
    T = tids.shape[1]
    for o, head in enumerate(ctx or [], start=1):  # state at caption position t reads token t - o
        if o >= T:
            break
        lo = head(h[:, o:])  # [B, T - o, V]
        ceo = F.cross_entropy(lo.reshape(-1, lo.shape[-1]), tids[:, : T - o].reshape(-1), reduction="none")  # [B*(T-o)]
        m = tmask[:, o:].reshape(-1).float()  # the state's position is in the caption (so is t - o)
        ctx_loss = ctx_loss + (ceo * m).sum() / m.sum().clamp(min=1) / len(ctx)
    return aux_loss, ctx_loss


def train_dit(dit, te, ema, lat, sf, data, args, state, budget_s, out, export_fn, cache=None, teacher=None):
    dev = lat.device
    # --pos-embed-fade F: the DiT starts with its positional embedding (from --init-from) and loses it gradually, so
    # that its convolutions can take over the position features while the rest of it still has them; NoPE at F.
    pe0 = None
    if args.pos_embed_fade:  # main() refused a model without an embedding to fade
        pe0 = dit.patch_embed.pos_embed.detach().clone()
        log(f"positional embedding fades to nothing over the first {args.pos_embed_fade:.0%} of the DiT steps")
    run_distill, n_distill = 0.0, 0
    opt = torch.optim.AdamW([p for p in dit.parameters()] + [p for p in te.parameters()], lr=args.dit_lr,
                            betas=(0.9, 0.999), weight_decay=0.0)
    # --te-aux W: while the encoder trains, a cosine-classifier head (not exported) reads each caption token's id back
    # from its state (cross-entropy, weight W). The flow loss alone let the encoder merge words whose use the DiT had not learnt
    # yet: "left"/"right", "top"/"bottom", "above"/"below" ended at cosine 0.98-0.995 (scripts/shapes-text-probe.ts),
    # so no DiT could follow them. A pretrained LLM keeps its tokens apart; this keeps ours apart.
    # --te-aux-window K > 1 adds K - 1 linear heads that read the 1..K-1 previous caption tokens back from each state: with
    # the read-back alone the encoder kept words apart but dropped their context ("square" in "... left of a blue
    # square" had the same state whatever the relation, "left" the same whatever color came before, cosine 1.0), and
    # the DiT, whose cross-attention has no token order, then sees a bag of words in which "a red circle left of a
    # blue square" and "a blue circle left of a red square" are one prompt. A state that tells its last K words
    # carries the binding. These heads are plain linear maps of the normalised state: context has to be linearly
    # readable, as the DiT's caption projection reads it, not in a direction of its own.
    aux, ctx = None, None
    if args.te_aux > 0 and cache is None:
        aux = torch.nn.Linear(te.config.hidden_size, te.config.vocab_size, bias=False).to(dev)
        opt.add_param_group({"params": list(aux.parameters())})
        if args.te_aux_window > 1:
            ctx = torch.nn.ModuleList(torch.nn.Linear(te.config.hidden_size, te.config.vocab_size) for _ in range(args.te_aux_window - 1)).to(dev)
            opt.add_param_group({"params": list(ctx.parameters())})
        log(f"text encoder: token read-back loss, weight {args.te_aux}, window {args.te_aux_window}")
    run_aux, run_ctx, n_aux = 0.0, 0.0, 0
    spatial_w = spatial_weights(data, args.spatial_frac, args.spatial_words) if args.spatial_frac else None
    step = state.get("step", 0)
    total = state.get("total") or args.dit_steps
    t_start, t_ckpt = time.time(), time.time()
    frozen = cache is not None
    s0 = step  # a resumed run starts its own warmup + cosine cycle
    planner = StepPlanner(s0, budget_s) if total is None else None  # a given or resumed step count is kept
    run_loss, n_loss = 0.0, 0
    # --amp auto: 40 steps each way after warm-up, then the faster one (bf16 autocast needs >= 1.2x to be taken)
    amp_mode = {"on": args.amp == "bf16", "t": {}}

    def amp_on(step_):
        if args.amp != "auto" or step_ - s0 < 20:
            return amp_mode["on"]
        k = step_ - s0 - 20
        if k < 80:
            return k >= 40
        return amp_mode["on"]

    while True:
        elapsed = time.time() - t_start
        if args.amp == "auto" and step - s0 in (20, 60, 100):
            torch.cuda.synchronize()
            amp_mode["t"][step - s0] = time.time()
            if step - s0 == 100:
                t = amp_mode["t"]
                fp32, bf16 = (t[60] - t[20]) / 40, (t[100] - t[60]) / 40
                amp_mode["on"] = fp32 / bf16 >= 1.2
                log(f"dit step time fp32 {fp32 * 1000:.1f} ms, bf16 autocast {bf16 * 1000:.1f} ms -> {'bf16' if amp_mode['on'] else 'fp32'}")
        if step >= (total or 10**9) or elapsed > budget_s:
            break
        planned = planner.observe(step, elapsed) if planner else None
        if planned is not None:
            if total is None or abs(planned - total) > 0.01 * total:
                log(f"dit step {step}: {planner.per * 1000:.1f} ms/step -> {planned} steps" + ("" if total is None else f" (was {total})"))
            total = planned
        # (once frozen the encoder stays frozen, even when a longer plan moves the --te-frac point past this step)
        te_train = cache is None and not frozen and step < args.te_frac * (total or 10**9)
        if not te_train and not frozen:
            te.requires_grad_(False)
            frozen = True
            log(f"dit step {step}: text encoder frozen from here on")
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step - s0, (total or 10**6) - s0, args.dit_lr, 300 if s0 == 0 and cache is None else 100)
        if pe0 is not None:
            f = pe_fade_at(step, s0, total, args.pos_embed_fade)
            if f > 0:
                with torch.no_grad():
                    dit.patch_embed.pos_embed.copy_(pe0 * f)
            else:
                drop_pos_embed(dit, ema)
                pe0 = None
                log(f"dit step {step}: positional embedding gone, NoPE from here on")
        if spatial_w is not None:  # --spatial-frac: position / relation captions drawn at that share of each batch
            idx = torch.multinomial(spatial_w, args.dit_batch, replacement=True)
        else:
            idx = torch.randint(0, data.n, (args.dit_batch,), device=dev)
        x0 = lat[idx].float() * sf
        if cache is not None:
            enc, mask = cache[0][idx].float(), cache[1][idx].clone()
            mask = mask.masked_fill((torch.rand(len(idx), device=dev) < 0.1)[:, None], 0)
            mask[:, 0] = 1
        else:
            with torch.set_grad_enabled(te_train):
                enc, mask = encode_text(te, data.prefix, data.tails[idx], data.tail_mask[idx], drop_p=0.1)
        s = flow_sigmas_train(x0.shape[0], dev)
        noise = torch.randn_like(x0)
        xt = (1 - s)[:, None, None, None] * x0 + s[:, None, None, None] * noise
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp_on(step)):
            v = dit(xt, encoder_hidden_states=enc, timestep=s * 1000, encoder_attention_mask=mask, return_dict=False)[0]
        loss = F.mse_loss(v.float(), noise - x0)
        total_loss = loss
        if teacher is not None:  # --teacher: the teacher's velocity on the same input, a low-variance target
            with torch.no_grad():
                vt = teacher(xt, encoder_hidden_states=enc, timestep=s * 1000, encoder_attention_mask=mask, return_dict=False)[0]
            distill = F.mse_loss(v.float(), vt.float())
            total_loss = total_loss + args.teacher_weight * distill
            if step % 20 == 0:
                run_distill, n_distill = run_distill + distill.item(), n_distill + 1
        if aux is not None and te_train:
            aux_loss, ctx_loss = read_back_losses(enc, data.tails[idx], data.tail_mask[idx], aux, ctx)
            total_loss = total_loss + args.te_aux * (aux_loss + ctx_loss)
            if step % 20 == 0:
                run_aux, run_ctx, n_aux = run_aux + aux_loss.item(), run_ctx + ctx_loss.item(), n_aux + 1
        opt.zero_grad(set_to_none=True)
        total_loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in dit.parameters()] + [p for p in te.parameters()], 1.0)
        opt.step()
        step += 1
        with torch.no_grad():
            d = min(args.ema, (1 + step) / (10 + step))
            torch._foreach_lerp_(list(ema.parameters()), list(dit.parameters()), 1 - d)
        run_loss += loss.item() if step % 20 == 0 else 0.0
        n_loss += 1 if step % 20 == 0 else 0
        if step % 200 == 0:
            aux_msg = f" token read-back {run_aux / n_aux:.4f}" if n_aux else ""
            aux_msg += f" context read-back {run_ctx / n_aux:.4f}" if n_aux and ctx is not None else ""
            aux_msg += f" to teacher {run_distill / n_distill:.4f}" if n_distill else ""
            aux_msg += f" pos-embed x{pe_fade_at(step, s0, total, args.pos_embed_fade):.2f}" if pe0 is not None else ""
            run_distill, n_distill = 0.0, 0
            log(f"dit step {step}/{total} loss {run_loss / max(1, n_loss):.4f}{aux_msg} lr {opt.param_groups[0]['lr']:.2e}")
            run_loss, n_loss, run_aux, run_ctx, n_aux = 0.0, 0, 0.0, 0.0, 0
        if time.time() - t_ckpt > args.ckpt_every_s:
            save_dit(dit, te, ema, step, total, frozen, out)
            export_fn()
            t_ckpt = time.time()
    if pe0 is not None:  # the budget ended the run before the fade did: the export is NoPE, as asked, but less adapted
        drop_pos_embed(dit, ema)
        log(f"WARNING dit step {step}: the run ended with the positional embedding at x{pe_fade_at(step, s0, total, args.pos_embed_fade):.2f}; dropped for the export")
    state.update(step=step, total=total)
    save_dit(dit, te, ema, step, total, frozen, out)
    log(f"dit: {step} steps, {time.time() - t_start:.0f} s")


@torch.no_grad()
def cache_text(te, data, batch=1024):
    """Frozen text encoder: the states of every caption, once ([N, 1 + L, D] float16) with their masks."""
    encs, masks = [], []
    for s in range(0, data.n, batch):
        idx = torch.arange(s, min(data.n, s + batch), device=data.tails.device)
        enc, mask = encode_text(te, data.prefix, data.tails[idx], data.tail_mask[idx])
        encs.append(enc.half())
        masks.append(mask)
    log(f"text states cached for {data.n} captions")
    return torch.cat(encs), torch.cat(masks)


def load_exported(d, device, args=None):
    """The three models of an exported folder (fp16 safetensors), in float32 for training."""
    from diffusers import AutoencoderDC, SanaTransformer2DModel
    from transformers import Gemma2Model

    vae = AutoencoderDC.from_pretrained(f"{d}/vae").float().to(device)
    over = dit_overrides(args)
    dit = SanaTransformer2DModel.from_pretrained(f"{d}/transformer", **over).float().to(device)
    if over:
        log(f"dit config changed: {over} (positional embedding {'on' if dit.patch_embed.pos_embed is not None else 'OFF'})")
    te = Gemma2Model.from_pretrained(f"{d}/text_encoder", attn_implementation="eager").float().to(device)
    return vae, dit, te


def load_teacher(d, device):
    """--teacher DIR: the transformer of an exported model folder, frozen, with its own config (its positional
    embedding included). Its text encoder must be the student's (checked at parse time): both read the same states."""
    from diffusers import SanaTransformer2DModel

    t = SanaTransformer2DModel.from_pretrained(f"{d}/transformer").float().to(device).eval().requires_grad_(False)
    log(f"teacher {d}/transformer (positional embedding {'on' if t.patch_embed.pos_embed is not None else 'off'})")
    return t


def save_dit(dit, te, ema, step, total, frozen, out):
    atomic_save({"dit": dit.state_dict(), "te": te.state_dict(), "step": step, "total": total, "te_frozen": frozen}, f"{out}/dit.pt")
    atomic_save({"ema": ema.state_dict(), "step": step}, f"{out}/ema.pt")


# ---------------------------------------------------------------------------------------------- export and samples


def export_model(vae, ema, te, sf, out, check=True):
    """The diffusers folder layout in fp16 (what @sana/pipeline loads), packed as out/sana-shapes.tar."""
    import copy

    from safetensors import safe_open

    tmp = tempfile.mkdtemp()
    d = os.path.join(tmp, "sana-shapes")
    v = copy.deepcopy(vae).half()
    v.register_to_config(scaling_factor=float(sf))
    v.save_pretrained(f"{d}/vae")
    copy.deepcopy(ema).half().save_pretrained(f"{d}/transformer")
    copy.deepcopy(te).half().save_pretrained(f"{d}/text_encoder")
    os.makedirs(f"{d}/scheduler")
    shutil.copy(os.path.join(HERE, "configs", "scheduler.json"), f"{d}/scheduler/scheduler_config.json")
    shutil.copy(os.path.join(HERE, "configs", "model_index.json"), f"{d}/model_index.json")
    shutil.copytree(os.path.join(REPO, "models", "sana-shapes", "tokenizer"), f"{d}/tokenizer")
    if check:  # every key and shape the TypeScript loaders expect for these configs, and no other
        want = json.load(open(os.path.join(HERE, "fixtures", "expected-shapes.json")))
        files = {"vae": "vae/diffusion_pytorch_model.safetensors", "transformer": "transformer/diffusion_pytorch_model.safetensors",
                 "text_encoder": "text_encoder/model.safetensors"}
        for comp, f in files.items():
            with safe_open(f"{d}/{f}", "pt") as st:
                got = {k: list(st.get_slice(k).get_shape()) for k in st.keys()}
            missing = [k for k in want[comp] if k not in got]
            extra = [k for k in got if k not in want[comp]]
            bad = [k for k in want[comp] if k in got and got[k] != want[comp][k]]
            if missing or extra or bad:  # logged, not fatal: key names can still be fixed on the exported files
                log(f"EXPORT MISMATCH {comp}: missing {missing[:8]} extra {extra[:8]} shape {[(k, got[k], want[comp][k]) for k in bad[:8]]}")
            else:
                log(f"export check {comp}: {len(got)} tensors as expected")
    with tarfile.open(f"{out}/sana-shapes.tar.tmp", "w") as tar:
        tar.add(d, arcname="sana-shapes")
    os.replace(f"{out}/sana-shapes.tar.tmp", f"{out}/sana-shapes.tar")
    shutil.rmtree(tmp)
    log(f"exported {out}/sana-shapes.tar ({os.path.getsize(f'{out}/sana-shapes.tar') / 2**20:.1f} MiB)")


@torch.no_grad()
def sample_grid(vae, dit, te, data, sf, path, steps=20, guidance=4.5, shift=3.0):
    """Flow-Euler samples of the header's sample prompts (a quick look; the real check is `pnpm eval`)."""
    from PIL import Image

    samples = data.header.get("samples", [])[:8]
    if not samples:
        return
    dev = data.prefix.device
    lmax = max(len(s["ids"]) for s in samples)
    tails = torch.zeros(len(samples), lmax, dtype=torch.long, device=dev)
    tmask = torch.zeros_like(tails)
    for i, s in enumerate(samples):
        tails[i, : len(s["ids"])] = torch.tensor(s["ids"])
        tmask[i, : len(s["ids"])] = 1
    enc, mask = encode_text(te, data.prefix, tails, tmask)
    umask = torch.zeros_like(mask)
    umask[:, 0] = 1
    g = torch.Generator(device=dev).manual_seed(0)
    x = torch.randn(len(samples), dit.config.in_channels, 16, 16, device=dev, generator=g)
    sig = torch.linspace(1, 0, steps + 1, device=dev)
    sig = shift * sig / (1 + (shift - 1) * sig)
    for i in range(steps):
        t = sig[i].expand(len(samples)) * 1000
        v = dit(torch.cat([x, x]), encoder_hidden_states=torch.cat([enc, enc]), timestep=torch.cat([t, t]),
                encoder_attention_mask=torch.cat([umask, mask]), return_dict=False)[0]
        vu, vc = v.chunk(2)
        x = x + (sig[i + 1] - sig[i]) * (vu + guidance * (vc - vu))
    img = ((vae.decoder(x / sf).clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    grid = np.concatenate([np.concatenate(list(img[r * 4:(r + 1) * 4]), 1) for r in range(max(1, len(img) // 4))], 0)
    Image.fromarray(grid).resize((grid.shape[1] // 2, grid.shape[0] // 2)).save(path)
    log(f"samples -> {path}: " + " | ".join(s["caption"] for s in samples))


# ---------------------------------------------------------------------------------------------- driver


def run(scenes_path, args, out, smoke=False):
    import copy

    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    run_start = time.time()
    data = Data(scenes_path, dev, limit=256 if smoke else args.limit)
    torch.manual_seed(args.seed)
    vae, dit, te = build_models(dev, args, smoke)
    ema = copy.deepcopy(dit).requires_grad_(False)
    n_par = lambda m: sum(p.numel() for p in m.parameters()) / 1e6  # noqa: E731
    log(f"{'smoke' if smoke else 'run'}: {data.n} scenes; params vae {n_par(vae):.2f}M dit {n_par(dit):.2f}M te {n_par(te):.2f}M")
    vae_state, dit_state = {}, {}
    if args.resume and not smoke:
        r = args.resume
        if os.path.exists(f"{r}/vae.pt"):
            ck = torch.load(f"{r}/vae.pt", map_location=dev)
            vae.load_state_dict(ck["vae"])
            vae_state = {k: ck[k] for k in ("step", "total", "done")}
            log(f"resumed vae at step {ck['step']} (done {ck['done']})")
        if os.path.exists(f"{r}/dit.pt") and os.path.exists(f"{r}/ema.pt"):
            ck = torch.load(f"{r}/dit.pt", map_location=dev)
            dit.load_state_dict(ck["dit"])
            te.load_state_dict(ck["te"])
            ema.load_state_dict(torch.load(f"{r}/ema.pt", map_location=dev)["ema"])
            dit_state = {"step": ck["step"], "total": ck["total"]}
            log(f"resumed dit at step {ck['step']} of {ck['total']}")
    sf_fixed = None
    if args.init_from and not smoke:
        vae, dit, te = load_exported(args.init_from, dev, args)
        ema = copy.deepcopy(dit).requires_grad_(False)
        sf_fixed = float(vae.config.scaling_factor)  # the DiT's latent scale: keep it
        vae_state = {"done": True}
        log(f"initialised from {args.init_from} (scaling_factor {sf_fixed:.4f})")
    if smoke:
        vae_state, dit_state = {"total": 3}, {"total": 3}
    budget = args.budget_s
    train_vae(vae, data, args, vae_state, args.vae_frac * budget, out)
    if args.decoder_finetune_s > 0 and not smoke:
        log(f"vae psnr on held-out scenes before the decoder fine-tune: {vae_psnr(vae, data):.2f} dB")
        finetune_decoder(vae, data, args, args.decoder_finetune_s, out)
    vae.eval().requires_grad_(False)
    log(f"vae psnr on held-out scenes: {vae_psnr(vae, data):.2f} dB")
    cdir = args.cache_dir if (args.cache_dir and not smoke and args.init_from) else None
    if cdir and os.path.exists(f"{cdir}/latents.pt"):  # a warm machine keeps /tmp between calls
        ck = torch.load(f"{cdir}/latents.pt", map_location=dev)
        lat, sf = ck["lat"], ck["sf"]
        log(f"latents from {cdir}")
    else:
        lat, sf = encode_all(vae, data, batch=64 if smoke else 256)
        if cdir:
            os.makedirs(cdir, exist_ok=True)
            atomic_save({"lat": lat, "sf": sf}, f"{cdir}/latents.pt")
    sf = sf_fixed or sf
    export_fn = lambda: export_model(vae, ema, te, sf, out)  # noqa: E731
    cache = None
    if args.init_from and not smoke and not args.train_te:  # a frozen encoder's states are the same every epoch: compute them once
        te.requires_grad_(False)
        cache = cache_text(te, data)
    if args.train_te:
        te.requires_grad_(True)
        log(f"text encoder trained with the DiT for the first {args.te_frac:.0%} of the steps")
    if args.amp != "off":
        use_fp32_linear_attention(dit)
        use_fp32_linear_attention(ema)
    left = budget - (time.time() - run_start) - args.reserve_s
    teacher = load_teacher(args.teacher, dev) if args.teacher else None
    train_dit(dit, te, ema, lat, sf, data, args, dit_state, max(1.0, left), out, export_fn, cache, teacher)
    del teacher
    export_fn()
    sample_grid(vae, ema, te, data, sf, f"{out}/samples.png")
    log(f"{'smoke' if smoke else 'run'} done in {time.time() - run_start:.0f} s")


def main():
    global LOG
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="scene file from scripts/make-shapes-dataset.ts")
    ap.add_argument("--out", required=True, help="checkpoints, exported model, log")
    ap.add_argument("--resume", help="a folder with vae.pt / dit.pt / ema.pt of an earlier run")
    ap.add_argument("--init-from", help="an exported model folder: train its DiT further (VAE kept, text encoder frozen and cached)")
    ap.add_argument("--budget-s", type=float, default=480, help="wall-clock seconds for the whole run")
    ap.add_argument("--reserve-s", type=float, default=20, help="kept back for the final export and samples")
    ap.add_argument("--vae-frac", type=float, default=0.22)
    ap.add_argument("--vae-batch", type=int, default=32)
    ap.add_argument("--vae-lr", type=float, default=1e-3)
    ap.add_argument("--vae-steps", type=int, default=None, help="default: as many as the budget allows")
    ap.add_argument("--dit-batch", type=int, default=256)
    ap.add_argument("--dit-lr", type=float, default=8e-4)
    ap.add_argument("--dit-steps", type=int, default=None, help="default: as many as the budget allows")
    ap.add_argument("--te-frac", type=float, default=0.6, help="the text encoder trains for this share of the DiT steps")
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--ckpt-every-s", type=float, default=120)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N scenes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--decoder-finetune-s", type=float, default=0, help="with --init-from: seconds of decoder-only training first")
    ap.add_argument("--dec-lr", type=float, default=3e-4)
    ap.add_argument("--amp", choices=["auto", "bf16", "off"], default="off", help="bf16 autocast of the DiT (linear attention kept in fp32)")
    ap.add_argument("--cache-dir", help="with --init-from: keep the encoded latents here and reuse them (a warm machine keeps /tmp)")
    ap.add_argument("--te-aux", type=float, default=0.0, help="while the text encoder trains: weight of the token read-back loss (keeps words apart)")
    ap.add_argument("--te-aux-window", type=int, default=1, help="with --te-aux: each state also reads back the K-1 caption tokens before it (carries context)")
    ap.add_argument("--pos-embed", type=float, default=None, help="the DiT's interpolation_scale, a fixed sin-cos positional embedding; 0: none (NoPE, as Sana 1024px) "
                    "(default: configs/transformer.json's, none since run 13, or the --init-from model's)")
    ap.add_argument("--pos-embed-fade", type=float, default=None, help="0 < F < 1: the DiT's positional embedding is scaled from 1 down to 0 over the "
                    "first F of the DiT steps, then removed: the export is NoPE (needs a model or config with one)")
    ap.add_argument("--teacher", help="with --init-from: an exported model folder with the same text encoder; its transformer's velocity is a "
                    "second target for the DiT (distillation), weighted --teacher-weight")
    ap.add_argument("--teacher-weight", type=float, default=1.0, help="with --teacher: weight of the distillation loss (the flow loss has 1)")
    ap.add_argument("--spatial-frac", type=float, default=None, help="draw captions with a position / relation word at this share of each DiT batch (default: as in the data)")
    ap.add_argument("--spatial-words", type=lambda v: tuple(w for w in v.split(",") if w), default=SPATIAL_WORDS,
                    help=f"with --spatial-frac: comma-separated caption words that mark the oversampled captions (default: {','.join(SPATIAL_WORDS)}; relations only: {','.join(RELATION_WORDS)})")
    ap.add_argument("--train-te", action="store_true", help="with --init-from: train the text encoder with the DiT for --te-frac of the steps (no text cache)")
    ap.add_argument("--smoke-first", action="store_true", help="run every stage for 3 steps on 256 scenes first")
    args = ap.parse_args()
    if args.pos_embed is not None and not (args.pos_embed >= 0 and math.isfinite(args.pos_embed)):
        ap.error(f"--pos-embed must be 0 (no positional embedding) or a positive interpolation_scale, got {args.pos_embed}")
    if args.pos_embed_fade is not None and not 0 < args.pos_embed_fade < 1:
        ap.error(f"--pos-embed-fade must be in (0, 1) (the share of the DiT steps the fade takes), got {args.pos_embed_fade}")
    if args.pos_embed_fade is not None and args.pos_embed == 0:
        ap.error("--pos-embed-fade with --pos-embed 0: there is no embedding to fade (leave --pos-embed out, or give a scale)")
    if args.pos_embed_fade is not None and args.pos_embed is None:
        # the DiT's own embedding, from the --init-from model's config or configs/transformer.json: checked here, not
        # after the smoke run and the latents (minutes of a GPU)
        src = os.path.join(args.init_from, "transformer", "config.json") if args.init_from else os.path.join(HERE, "configs", "transformer.json")
        if not os.path.exists(src):
            ap.error(f"--pos-embed-fade: {src} not found (an exported model folder is expected for --init-from)")
        if json.load(open(src)).get("interpolation_scale") is None:
            ap.error(f"--pos-embed-fade: {src} has no positional embedding (interpolation_scale null), so there is no embedding "
                     "to fade; start from a model with one, or add one with --pos-embed S")
    if args.teacher:
        if not args.init_from or args.train_te:
            ap.error("--teacher needs --init-from and a frozen text encoder (no --train-te): teacher and student read the same cached states")
        te_files = [os.path.join(d, "text_encoder", "model.safetensors") for d in (args.teacher, args.init_from)]
        missing = [f for f in te_files if not os.path.exists(f)]
        if missing:
            ap.error(f"--teacher / --init-from: {missing[0]} not found (an exported model folder is expected)")
        if open(te_files[0], "rb").read() != open(te_files[1], "rb").read():
            ap.error(f"--teacher: {te_files[0]} differs from {te_files[1]}: the teacher must use the student's text encoder")
    if args.teacher_weight < 0:
        ap.error(f"--teacher-weight must be >= 0, got {args.teacher_weight}")
    if args.spatial_frac is not None and not 0 < args.spatial_frac < 1:
        ap.error(f"--spatial-frac must be in (0, 1), got {args.spatial_frac}")
    if args.spatial_words != SPATIAL_WORDS and args.spatial_frac is None:
        ap.error("--spatial-words needs --spatial-frac (the share of each batch to draw those captions at)")
    unknown = unknown_words(args.spatial_words)
    if not args.spatial_words or unknown:
        ap.error(f"--spatial-words: {unknown or 'no words'} not in the sana-shapes tokenizer "
                 f"(models/sana-shapes/tokenizer/tokenizer.json); use caption words such as {','.join(SPATIAL_WORDS)}")
    if args.te_aux_window < 1 or (args.te_aux_window > 1 and args.te_aux <= 0):
        ap.error(f"--te-aux-window {args.te_aux_window} needs --te-aux W > 0 (the window extends the token read-back loss)")
    os.makedirs(args.out, exist_ok=True)
    LOG = open(f"{args.out}/train.log", "a")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    log(f"torch {torch.__version__}, cuda {torch.cuda.is_available()}, args {vars(args)}")
    if args.smoke_first:
        smoke_out = tempfile.mkdtemp()
        run(args.data, args, smoke_out, smoke=True)
        shutil.rmtree(smoke_out)
    run(args.data, args, args.out)


if __name__ == "__main__":
    main()
