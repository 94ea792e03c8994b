"""Checks train.py's text-encoder losses and batch sampling without a GPU or diffusers (torch on the CPU only).

    python3 training/test_train_losses.py     (also collected by pytest; needs torch, any 1.13+)
"""
import argparse
import math

import torch

from train import (RELATION_WORDS, SPATIAL_WORDS, StepPlanner, dit_overrides, drop_pos_embed, pe_fade_at, read_back_losses,
                   spatial_weights)


def _batch(b=4, t=7, v=13, seed=0):
    g = torch.Generator().manual_seed(seed)
    tids = torch.randint(1, v, (b, t), generator=g)
    tmask = torch.ones(b, t, dtype=torch.long)
    tmask[0, 5:] = 0  # padded tails, as in a batch of captions of several lengths
    tmask[2, 3:] = 0
    return tids * tmask, tmask


def test_read_back_shapes_and_padding():
    tids, tmask = _batch()
    enc = torch.randn(4, 1 + 7, 8)
    aux = torch.nn.Linear(8, 13, bias=False)
    ctx = torch.nn.ModuleList(torch.nn.Linear(8, 13) for _ in range(3))
    a, c = read_back_losses(enc, tids, tmask, aux, ctx)
    assert a.dim() == 0 and c.dim() == 0 and math.isfinite(a.item()) and math.isfinite(c.item())
    a0, c0 = read_back_losses(enc, tids, tmask, aux, None)
    assert torch.equal(a0, a) and c0.item() == 0.0
    # padded positions count for nothing: other states or ids there change neither loss
    enc2, tids2 = enc.clone(), tids.clone()
    enc2[0, 1 + 5:] = torch.randn(2, 8)
    tids2[2, 3:] = 5
    a2, c2 = read_back_losses(enc2, tids2, tmask, aux, ctx)
    assert torch.allclose(a2, a) and torch.allclose(c2, c)
    # the <bos> state (position 0) is not a caption token
    enc3 = enc.clone()
    enc3[:, 0] = torch.randn(4, 8)
    assert torch.allclose(read_back_losses(enc3, tids, tmask, aux, ctx)[0], a)


def test_context_head_reads_the_previous_token():
    """States that hold exactly the previous token (one-hot) are read back by offset head 1 and by nothing else:
    an off-by-one in the targets would leave the loss near log(V)."""
    v, b, t = 13, 64, 9
    g = torch.Generator().manual_seed(1)
    tids = torch.randint(1, v, (b, t), generator=g)
    tmask = torch.ones(b, t, dtype=torch.long)
    prev = torch.cat([torch.zeros(b, 1, dtype=torch.long), tids[:, :-1]], 1)  # token t - 1 at position t
    enc = torch.cat([torch.zeros(b, 1, v), torch.nn.functional.one_hot(prev, v).float()], 1)  # [B, 1 + T, V]
    aux = torch.nn.Linear(v, v, bias=False)

    def trained(ctx):  # the context loss after fitting the heads alone
        opt = torch.optim.Adam(ctx.parameters(), lr=0.1)
        for _ in range(300):
            loss = read_back_losses(enc, tids, tmask, aux, ctx)[1]
            opt.zero_grad()
            loss.backward()
            opt.step()
        return read_back_losses(enc, tids, tmask, aux, ctx)[1].item()

    one = trained(torch.nn.ModuleList([torch.nn.Linear(v, v)]))  # offset 1: the state is that token
    assert one < 0.05, one
    both = trained(torch.nn.ModuleList([torch.nn.Linear(v, v), torch.nn.Linear(v, v)]))  # + offset 2: not in the state
    assert 0.6 < both < 1.5, both  # (about 0 + about log(12)) / 2


def test_spatial_weights_draw_the_asked_share():
    from train import caption_vocab

    vocab = caption_vocab()
    word = vocab["\u2581" + SPATIAL_WORDS[0]]
    other = vocab["\u2581red"]

    class D:  # 10 % of the captions have a position word
        tails = torch.tensor([[other, word if i % 10 == 0 else other] for i in range(1000)])
        tail_mask = torch.ones(1000, 2, dtype=torch.long)

    w = spatial_weights(D, 0.7)
    idx = torch.multinomial(w, 20000, replacement=True, generator=torch.Generator().manual_seed(0))
    share = (idx % 10 == 0).float().mean().item()
    assert abs(share - 0.7) < 0.02, share
    # a position word in the padding does not count
    D.tail_mask = torch.tensor([[1, 0]] * 1000)
    assert torch.allclose(spatial_weights(D, 0.7), torch.ones(1000) * 0.3 / 1.0)


def test_spatial_words_pick_the_oversampled_captions():
    from train import caption_vocab

    vocab = caption_vocab()
    tok = lambda w: vocab["\u2581" + w]  # noqa: E731
    # 1,000 captions: every 10th a relation ("left of"), every 10th + 5 a position ("on the left"), the rest neither
    rows = [[tok("left"), tok("of")] if i % 10 == 0 else [tok("on"), tok("left")] if i % 10 == 5 else [tok("red"), tok("circle")]
            for i in range(1000)]

    class D:
        tails = torch.tensor(rows)
        tail_mask = torch.ones(1000, 2, dtype=torch.long)

    g = torch.Generator().manual_seed(0)
    idx = torch.multinomial(spatial_weights(D, 0.6, RELATION_WORDS), 20000, replacement=True, generator=g)
    assert abs((idx % 10 == 0).float().mean().item() - 0.6) < 0.02  # relations alone at 60 %
    assert abs((idx % 10 == 5).float().mean().item() - 0.4 / 9) < 0.01  # positions as the rest
    idx = torch.multinomial(spatial_weights(D, 0.6), 20000, replacement=True, generator=g)
    assert abs(((idx % 10 == 0) | (idx % 10 == 5)).float().mean().item() - 0.6) < 0.02  # default: both


def test_bad_arguments_are_refused_at_parse_time():
    import os
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))

    def refused(*extra):
        r = subprocess.run([sys.executable, os.path.join(here, "train.py"), "--data", "x", "--out", "/nonexistent/never", *extra],
                           capture_output=True, text=True)
        assert r.returncode == 2, (extra, r.returncode, r.stderr[-400:])
        return r.stderr

    assert "--spatial-words" in refused("--spatial-frac", "0.6", "--spatial-words", "above,leftish")
    assert "leftish" in refused("--spatial-frac", "0.6", "--spatial-words", "above,leftish")
    assert "needs --spatial-frac" in refused("--spatial-words", "above,below,of")
    assert "--spatial-frac must be in (0, 1)" in refused("--spatial-frac", "1.5")
    assert "needs --te-aux" in refused("--te-aux-window", "4")
    assert "--pos-embed must be 0" in refused("--pos-embed", "-1")
    assert "--pos-embed-fade must be in (0, 1)" in refused("--pos-embed-fade", "1")
    assert "no embedding to fade" in refused("--pos-embed-fade", "0.5", "--pos-embed", "0")
    assert "has no positional embedding" in refused("--pos-embed-fade", "0.5")  # configs/transformer.json is NoPE
    assert "not found" in refused("--pos-embed-fade", "0.5", "--init-from", "/nonexistent/m")
    assert "--teacher needs --init-from" in refused("--teacher", "models/sana-shapes")
    assert "--teacher needs --init-from" in refused("--teacher", "m", "--init-from", "m", "--train-te")
    assert "not found" in refused("--teacher", "/nonexistent/t", "--init-from", "/nonexistent/s")
    assert "--teacher-weight must be >= 0" in refused("--teacher-weight", "-1")


def test_dit_overrides():
    assert dit_overrides(None) == {}
    assert dit_overrides(argparse.Namespace(pos_embed=None)) == {}
    assert dit_overrides(argparse.Namespace(pos_embed=2)) == {"interpolation_scale": 2.0}
    assert dit_overrides(argparse.Namespace(pos_embed=0)) == {"interpolation_scale": None}  # NoPE, overriding a config's
    # the smoke run of a --pos-embed-fade run builds its DiT from the NoPE config: it gets an embedding to fade
    fade = argparse.Namespace(pos_embed=None, pos_embed_fade=0.5)
    assert dit_overrides(fade, smoke=True, base={"interpolation_scale": None}) == {"interpolation_scale": 1.0}
    assert dit_overrides(fade, smoke=True, base={"interpolation_scale": 2.0}) == {}  # the config's own is kept
    assert dit_overrides(fade, smoke=False, base={"interpolation_scale": None}) == {}  # the real run: the model's


def test_pos_embed_fade_falls_linearly_to_zero():
    assert pe_fade_at(0, 0, None, 0.5) == 1.0  # no plan yet: full embedding
    assert pe_fade_at(0, 0, 1000, 0.5) == 1.0
    assert abs(pe_fade_at(250, 0, 1000, 0.5) - 0.5) < 1e-9
    assert pe_fade_at(500, 0, 1000, 0.5) == 0.0 and pe_fade_at(900, 0, 1000, 0.5) == 0.0
    assert abs(pe_fade_at(1100, 1000, 2000, 0.2) - 0.5) < 1e-9  # a resumed run fades over its own steps


def test_drop_pos_embed_makes_the_model_nope():
    class Cfg(torch.nn.Module):  # the two things drop_pos_embed touches on a diffusers model
        def __init__(self):
            super().__init__()
            self.patch_embed = torch.nn.Module()
            self.patch_embed.register_buffer("pos_embed", torch.ones(1, 4, 8), persistent=False)
            self.config = {"interpolation_scale": 1.0}

        def register_to_config(self, **kw):
            self.config.update(kw)

    m, n = Cfg(), Cfg()
    drop_pos_embed(m, n)
    assert all(x.patch_embed.pos_embed is None and x.config["interpolation_scale"] is None for x in (m, n))


def _simulate(budget_s, step_time):
    """The training loop's use of StepPlanner with a step time that may change: (steps run, seconds used, plans)."""
    planner, total, step, elapsed, plans = StepPlanner(0, budget_s), None, 0, 0.0, []
    while not (step >= (total or 10**9) or elapsed > budget_s):
        planned = planner.observe(step, elapsed)
        if planned is not None:
            total = planned
            plans.append(planned)
        elapsed += step_time(step, total)
        step += 1
    return step, elapsed, plans


def test_step_planner_fits_the_budget_when_the_step_time_changes():
    # constant speed: the first plan (after 110 + 50 steps) is already right and later ones keep it
    steps, used, plans = _simulate(600.0, lambda s, t: 0.06)
    assert all(abs(p - 10000) <= 1 for p in plans) and abs(used - 600.0) < 0.5, (plans[:3], used)
    # the encoder trains for the first half (96 ms a step), then freezes (65 ms): one plan from the first speed
    # would end 150 s early (runs 7C / 7D / 10H); re-planning ends within a step or two of the budget
    half = lambda s, t: 0.096 if s < 0.5 * (t or 10**9) else 0.065  # noqa: E731
    steps, used, plans = _simulate(1000.0, half)
    assert plans[-1] > plans[0] and 999.0 < used <= 1000.1, (plans[0], plans[-1], used)
    # slower than planned (run 10G: 57.9 ms planned, 62 ms run): the plan shrinks, so the schedule ends on time
    slow = lambda s, t: 0.058 if s < 1000 else 0.062  # noqa: E731
    steps, used, plans = _simulate(1250.0, slow)
    assert plans[-1] < plans[0] and steps == plans[-1] and used <= 1250.1, (plans[0], plans[-1], steps, used)


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
            print(f"ok {name}")
