"""Video-SDS at full size on one GPU: HunyuanVideo-I2V 13B and Wan 2.1 T2V 1.3B (random weights, bf16), 33 frames 320x512.

Measures, side by side in one run:
- the floor: transformer forward (no grad) + VAE encode with gradient + its backward, each timed alone;
- the full SDS iteration through sam4d's code as the refinement runs it (issue 17): motion model (LBS of a 13.7k-vertex
  body) -> the window resampled to the prior's frame rate (24 fps from the 25 fps walk: interpolated mesh and camera) ->
  sam4d.render at 320x512 over a background -> the window's first rendered frame VAE-encoded as the image condition ->
  VAE encode -> noise -> transformer -> SDS gradient masked to the person in the latents -> the physical terms ->
  both gradients on the motion parameters, balanced (sam4d.refine.loop.GradientMixer) -> Adam step; its time over the
  floor and its peak memory;
- a low-memory mode (VAE gradient checkpointing, then also float8 storage of the transformer weights);
- the transformer's FLOPs (torch's FlopCounterMode) over its forward time, against a 800 TFLOP/s bf16 ceiling;
- whether torch.compile helps (regional: each transformer block compiled; diffusers' `compile_repeated_blocks` lists
  HunyuanVideo's plain blocks but not the token_replace ones that HunyuanVideo-I2V uses);
- Wan 2.1 T2V 1.3B with CFG (two transformer forwards) and its chunk-checkpointed VAE (sam4d.refine.priors.wan_encode).

Text encoders are skipped: prompt embeddings are random tensors of the real shapes. The body is a dense tube body
(sam4d.refine.sds_term.tube_body, about 13.7k vertices) around the committed sample walk's skeleton (data/sample).

    pip install .whl/diffusers-0.42.1-py3-none-any.whl    # on the GPU machine (no internet)
    PYTHONPATH=. python3 bench/sds_h100.py --device cuda --out bench/results/sds_h100.json
    PYTHONPATH=. python3 bench/sds_h100.py --tiny           # tiny models on CPU: checks that the script runs
"""
import argparse, datetime, gc, json, os, platform, sys, time
from pathlib import Path
from types import SimpleNamespace
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sam4d.core import Camera, DataLayout, Sequence4D
from sam4d.refine.motion import MotionModel
from sam4d.refine.losses import PHYSICAL_TERMS, RefineConfig, RefineContext
from sam4d.refine.loop import GradientMixer, build_model
from sam4d.refine.priors import HunyuanI2VPrior, WanT2VPrior
from sam4d.refine.repair import WindowScorer
from sam4d.refine.sds import SDSConfig, SDSTerm
from sam4d.refine.sds_term import MotionSDS, tube_body
from sam4d.video.models import MODELS, random_model

CEILING_TFLOPS = 800.0
WAN_1_3B = dict(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16, out_channels=16,
                text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
                qk_norm='rms_norm_across_heads', eps=1e-6, rope_max_seq_len=1024)       # Wan2.1-T2V-1.3B's transformer
WAN_TINY = dict(WAN_1_3B, num_attention_heads=2, attention_head_dim=8, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=1, rope_max_seq_len=32)
WAN_VAE_TINY = dict(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True])


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def timed(fn, dev, reps, warmup):
    "Median wall time (ms) of `fn` over `reps` calls after `warmup` calls."
    for _ in range(warmup): fn()
    sync(dev)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); sync(dev); ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))

def peak(fn, dev):
    "Peak allocated GPU memory (GiB) during one call of `fn` (None on CPU)."
    if dev.type != 'cuda': fn(); return None
    gc.collect(); torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(dev)
    fn(); sync(dev)
    return torch.cuda.max_memory_allocated(dev) / 2**30

def free(dev):
    gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache()


def body_sequence(T, segments, rings):
    "The sample walk's first T frames (25 fps) in a dense tube body (camera 512x320, the prior's size)."
    walk = Sequence4D.load(DataLayout(ROOT/'data'/'sample').ground_truth('walk'))
    X = walk.keypoints3d[:T]
    V, F, _ = tube_body(X, walk.skeleton, radius=0.06, segments=segments, rings=rings)
    c = walk.camera
    return Sequence4D(keypoints3d=X, fps=walk.fps, joint_names=walk.joint_names, skeleton=walk.skeleton, vertices=V, faces=F,
                      camera=Camera(c.K, c.R[:T], c.t[:T], c.width, c.height), body_model='tube body')

class Setup:
    "The motion model, the SDS term with the physical terms, balanced, and the optimizer: one full refinement iteration per `step`."
    def __init__(self, prior, seq, dev, frames, H, W, guidance=1.0):
        self.prior, self.dev = prior, dev
        g = torch.Generator().manual_seed(0)
        cam = seq.camera
        cam = Camera(np.diag([W / cam.width, H / cam.height, 1]).astype(np.float32) @ cam.K, cam.R, cam.t, W, H)
        self.term = MotionSDS(SDSTerm(prior, SDSConfig(guidance_scale=guidance), seed=0), seq.faces, cam, frames, H, W,
                              background=torch.rand(H, W, 3, generator=g), vertex_colors=torch.rand(seq.vertices.shape[1], 3, generator=g))
        cfg = RefineConfig(device=str(dev))
        self.terms = [*PHYSICAL_TERMS, self.term]
        self.model = build_model(seq, cfg, self.terms)                  # bone offsets fixed while SDS is on
        self.ctx = RefineContext.build(seq, self.model, cfg)
        self.mixer = GradientMixer(self.model, self.terms)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.finite = True

    def step(self):
        state = self.model()
        plain, bal, log = self.mixer.evaluate(state, self.ctx)
        self.opt.zero_grad(set_to_none=True)
        self.mixer.backward(plain, bal, self.ctx.step, log)
        self.opt.step()
        self.ctx.step += 1
        self.last = dict(loss_sds=bal[0][1].detach(), log=log)

    def render_only(self):
        "Motion model + render + backward into the motion (no prior): the renderer's share of a step."
        state = self.model()
        video = self.term.render(state.vertices, self.term.frames_at(len(state.vertices), self.ctx.fps))
        self.opt.zero_grad(set_to_none=True)
        video.mean().backward()

def floor_parts(prior, frames, H, W, dev):
    "Callables for the floor's two parts: the transformer forward, and the VAE encode with gradient + backward."
    g = torch.Generator(device=dev).manual_seed(0)
    video = torch.rand(1, frames, H, W, 3, device=dev, generator=g).requires_grad_()
    with torch.no_grad(): lat = prior.encode(video)
    x_t, s = torch.randn(lat.shape, device=dev, generator=g), torch.tensor([0.5], device=dev)
    w = torch.randn(lat.shape, device=dev, generator=g)
    def fwd():
        with torch.no_grad(): prior.predict(x_t, s)
    def vae():
        video.grad = None
        (prior.encode(video) * w).sum().backward()
    return fwd, vae, x_t, s

def transformer_flops(prior, x_t, s):
    "FLOPs of one transformer forward (torch.utils.flop_counter)."
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc, torch.no_grad(): prior.predict(x_t, s)
    return fc.get_total_flops()

def measure(setup, dev, reps, warmup, prefix, m, notes):
    "Step time and peak memory of `setup` into metrics `m` under `prefix` (None and a note when it runs out of memory)."
    try:
        m[prefix + 'step_ms'] = timed(setup.step, dev, reps, warmup)
        m[prefix + 'peak_gib'] = peak(setup.step, dev)
        setup.finite &= bool(torch.isfinite(setup.last['loss_sds']).item())
    except torch.OutOfMemoryError:
        m[prefix + 'step_ms'] = m[prefix + 'peak_gib'] = None
        setup.opt.zero_grad(set_to_none=True); setup.last = None
        notes.append(f'{prefix or "full "}step: out of GPU memory')
        free(dev)

def window_score(setup, seq, dev, args, prefix, m):
    "Time and peak memory of scoring one window as the repair and the SDS check do (sam4d.refine.repair.WindowScorer)."
    scorer = WindowScorer(setup.term, device=dev)
    m[prefix + 'ms'] = timed(lambda: scorer.losses(seq, [0]), dev, args.reps, args.warmup)
    m[prefix + 'peak_gib'] = peak(lambda: scorer.losses(seq, [0]), dev)
    free(dev)


def hunyuan(args, dev, dt, seq, m, notes):
    from diffusers import HunyuanVideoTransformer3DModel, AutoencoderKLHunyuanVideo
    if args.tiny: from sam4d.testing.video import register_tiny_models; register_tiny_models()
    spec = MODELS['tiny-random-hunyuan-i2v' if args.tiny else 'hunyuan-i2v']
    t0 = time.perf_counter()
    tr = random_model(HunyuanVideoTransformer3DModel, spec.arch['transformer'], dev, dt)
    vae = random_model(AutoencoderKLHunyuanVideo, spec.arch['vae'], dev, torch.float16)     # the VAE in float16, as the checkpoint loads
    m['hunyuan_build_s'] = time.perf_counter() - t0
    m['hunyuan_params_b'] = sum(p.numel() for p in tr.parameters()) / 1e9
    c = tr.config
    L, n_text = (400, 200) if not args.tiny else (24, 12)     # 144 image tokens + up to 256 text tokens, half of them padding
    g = torch.Generator(device=dev).manual_seed(1)
    mask = torch.zeros(1, L, device=dev, dtype=dt); mask[:, :L - n_text] = 1
    cond = dict(encoder_hidden_states=torch.randn(1, L, c.text_embed_dim, device=dev, dtype=dt, generator=g),
                encoder_attention_mask=mask, pooled_projections=torch.randn(1, c.pooled_projection_dim, device=dev, dtype=dt, generator=g))
    lat_hw = (args.height // vae.spatial_compression_ratio, args.width // vae.spatial_compression_ratio)
    image_latents = torch.randn(1, c.out_channels, 1, *lat_hw, device=dev, generator=g)
    prior = HunyuanI2VPrior(vae, tr, image_latents, cond, None, args.frames, args.height, args.width, embedded_guidance=6.0)

    fwd, vae_fb, x_t, s = floor_parts(prior, args.frames, args.height, args.width, dev)
    m['fwd_ms'] = timed(fwd, dev, args.reps, args.warmup)
    m['vae_ms'] = timed(vae_fb, dev, args.reps, args.warmup)
    m['floor_ms'] = m['fwd_ms'] + m['vae_ms']
    m['vae_peak_gib'] = peak(vae_fb, dev)
    flops = transformer_flops(prior, x_t, s)
    m['fwd_tflop'] = flops / 1e12
    m['fwd_tflops_per_s'] = flops / (m['fwd_ms'] / 1e3) / 1e12
    m['fwd_share_of_ceiling'] = m['fwd_tflops_per_s'] / CEILING_TFLOPS

    setup = Setup(prior, seq, dev, args.frames, args.height, args.width)
    m['render_ms'] = timed(setup.render_only, dev, args.reps, args.warmup)
    measure(setup, dev, args.reps, args.warmup, '', m, notes)
    m['step_over_floor'] = m['step_ms'] and m['step_ms'] / m['floor_ms']
    window_score(setup, seq, dev, args, 'window_score_', m)

    if args.compile and time.perf_counter() - args.t_start > 0.4 * args.budget_s:
        notes.append('torch.compile skipped: over 40% of the time budget was spent before it'); args.compile = False
    if args.compile:
        t0 = time.perf_counter()
        try:
            for blk in [*tr.transformer_blocks, *tr.single_transformer_blocks]: blk.compile()
            fwd()
            m['compile_s'] = time.perf_counter() - t0
            m['compiled_fwd_ms'] = timed(fwd, dev, args.reps, args.warmup)
            m['compiled_step_ms'] = timed(setup.step, dev, args.reps, args.warmup)
            m['compile_fwd_speedup'] = m['fwd_ms'] / m['compiled_fwd_ms']
        except Exception as e:
            notes.append(f'torch.compile failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}')
        for mod in tr.modules():                              # back to eager for the low-memory runs
            if getattr(mod, '_compiled_call_impl', None) is not None: mod._compiled_call_impl = None

    vae.enable_gradient_checkpointing()
    free(dev)
    measure(setup, dev, args.reps, args.warmup, 'lowmem_vaeckpt_', m, notes)
    tr.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=dt)
    free(dev)
    m['lowmem_fwd_ms'] = timed(fwd, dev, args.reps, args.warmup)
    measure(setup, dev, args.reps, args.warmup, 'lowmem_', m, notes)
    if not setup.finite: notes.append('HunyuanVideo: a non-finite SDS loss occurred (random weights); timings are unaffected')
    del prior, setup, tr, vae, fwd, vae_fb, cond
    free(dev)


def wan(args, dev, dt, seq, m, notes):
    from diffusers import WanTransformer3DModel, AutoencoderKLWan
    t0 = time.perf_counter()
    tr = random_model(WanTransformer3DModel, WAN_TINY if args.tiny else WAN_1_3B, dev, dt)
    vae = random_model(AutoencoderKLWan, WAN_VAE_TINY if args.tiny else {}, dev, torch.float32)   # the VAE in float32, as the pipeline loads it
    m['wan_build_s'] = time.perf_counter() - t0
    g = torch.Generator(device=dev).manual_seed(2)
    emb = lambda: torch.randn(1, 512 if not args.tiny else 16, tr.config.text_dim, device=dev, dtype=dt, generator=g)
    prior = WanT2VPrior(vae, tr, emb(), emb(), args.frames, args.height, args.width, low_memory=False)
    fwd, vae_fb, _, _ = floor_parts(prior, args.frames, args.height, args.width, dev)
    m['wan_fwd_ms'] = timed(fwd, dev, args.reps, args.warmup)
    m['wan_vae_ms'] = timed(vae_fb, dev, args.reps, args.warmup)
    m['wan_floor_ms'] = 2 * m['wan_fwd_ms'] + m['wan_vae_ms']             # CFG: two forwards per step
    setup = Setup(prior, seq, dev, args.frames, args.height, args.width, guidance=5.0)
    measure(setup, dev, args.reps, args.warmup, 'wan_nockpt_', m, notes)
    window_score(setup, seq, dev, args, 'wan_window_score_', m)
    prior.low_memory = True                                                # chunk-wise checkpointed VAE encoder
    free(dev)
    m['wan_vae_ckpt_ms'] = timed(vae_fb, dev, args.reps, args.warmup)
    measure(setup, dev, args.reps, args.warmup, 'wan_', m, notes)
    m['wan_step_over_floor'] = m['wan_step_ms'] and m['wan_step_ms'] / m['wan_floor_ms']
    if not setup.finite: notes.append('Wan: a non-finite SDS loss occurred (random weights); timings are unaffected')
    del prior, setup, tr, vae
    free(dev)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--out', help='result JSON (default: bench/results/sds_h100.json; with --tiny /tmp/sds_h100_tiny.json)')
    p.add_argument('--tiny', action='store_true', help='tiny random models, 9 frames 32x48, a small body: a CPU check')
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--no-compile', dest='compile', action='store_false')
    p.add_argument('--skip-wan', action='store_true')
    p.add_argument('--budget-s', type=float, default=420, help='skip torch.compile when 40%% of this is spent before it')
    args = p.parse_args(argv)
    dev, dt = torch.device(args.device), torch.bfloat16
    args.out = args.out or ('/tmp/sds_h100_tiny.json' if args.tiny else str(ROOT/'bench'/'results'/'sds_h100.json'))
    if args.tiny:
        args.frames, args.height, args.width, args.reps, args.warmup, args.compile = 9, 32, 48, 1, 1, False
        segments, rings = 8, 4
    else:
        args.frames, args.height, args.width = 33, 320, 512
        segments, rings = 24, 26                                   # 22 bones x (24 x 26 + 2) = 13,772 vertices
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    args.t_start = t_start = time.perf_counter()
    seq = body_sequence(min(75, args.frames * 25 // 16 + 4), segments, rings)   # long enough for a window at 16 fps
    m, notes = dict(vertices=int(seq.vertices.shape[1]), faces=int(len(seq.faces))), []
    hunyuan(args, dev, dt, seq, m, notes)
    if not args.skip_wan: wan(args, dev, dt, seq, m, notes)
    m['total_s'] = time.perf_counter() - t_start
    import diffusers
    machine = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else platform.processor() or platform.machine()
    res = dict(name='sds_h100', date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
               machine=f'{machine}; torch {torch.__version__}, diffusers {diffusers.__version__}, python {platform.python_version()}',
               command='PYTHONPATH=. python3 bench/sds_h100.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
               metrics={k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()},
               notes=' '.join(notes + [
                   f'{"TINY CPU CHECK, not a measurement. " if args.tiny else ""}{args.frames} frames {args.height}x{args.width}, bf16, random weights, '
                   'random prompt embeddings of the real shapes (text encoders skipped); HunyuanVideo-I2V token_replace with embedded guidance '
                   '(one forward per step; transformer bf16, VAE float16 as the checkpoint loads; 144 image + 256 text tokens, half padding), Wan 2.1 T2V 1.3B with CFG 5 (two forwards per step, VAE in float32). floor_ms = fwd_ms + vae_ms '
                   '(transformer forward; VAE encode with gradient + backward, each timed alone); step_ms = the full SDS iteration '
                   '(motion model + LBS of the 25 fps walk, window resampled to the prior\'s fps (24 Hunyuan, 16 Wan), render, image condition '
                   're-encoded from the window\'s first rendered frame (Hunyuan), encode, noise, predict, SDS gradient masked to the person in '
                   'the latents, physical terms, both gradients on the motion parameters balanced (GradientMixer), Adam step; bone offsets '
                   'fixed), median of reps; '
                   '*window_score_ms = one window scored by sam4d.refine.repair.WindowScorer (render, image condition, VAE encode, the '
                   'prior\'s flow-matching loss at its 4 noise levels in one batch, no gradient): what the repair and the SDS check pay per window; '
                   'lowmem = VAE gradient checkpointing + float8 transformer weights (lowmem_vaeckpt_*: checkpointing only); '
                   f'fwd_share_of_ceiling = FlopCounterMode FLOPs / fwd time / {CEILING_TFLOPS:g} TFLOP/s; compiled_* = regional '
                   'torch.compile of every (double- and single-stream) transformer block.']))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))
    return 0

if __name__ == '__main__':
    sys.exit(main())
