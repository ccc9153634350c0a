"""Write README.md from notebooks/index.ipynb (nbdev's own nbdev-readme needs Quarto, which cannot be installed
here): markdown cells verbatim, code cells fenced and followed by their output; a cell marked `#| output: asis`
(Quarto's directive) contributes only its printed markdown. Also writes bench/README.md from bench/results/: one
table per benchmark (values rounded, each with its goal), the command and machine that produced it, and any
`bench/results/<name>.md` a benchmark wrote (per-clip tables, plots)."""
import contextlib, io, json, math, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def main():
    nb = nbformat.read(ROOT/'notebooks'/'index.ipynb', as_version=4)
    parts, ns = [], {}
    for c in nb.cells:
        if c.cell_type == 'markdown': parts.append(c.source); continue
        if c.source.startswith('#| hide'): continue
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf): exec(compile(c.source, 'index.ipynb', 'exec'), ns)
        if c.source.startswith('#| output: asis'): parts.append(buf.getvalue().rstrip()); continue
        parts.append(f'```python\n{c.source}\n```')
        if buf.getvalue().strip(): parts.append(f'```\n{buf.getvalue().rstrip()}\n```')
    text = '<!-- generated from notebooks/index.ipynb by tools/build_readme.py: edit the notebook -->\n\n' + '\n\n'.join(parts) + '\n'
    (ROOT/'README.md').write_text(text)

# goals of the benchmarks, as their issues state them (the results hold only what was measured)
GOALS = {('frames', 'ratio_vs_ffmpeg'): '<= 1.2', ('renderer_gpu', 'fps_fwd_bwd'): '>= 660',
         ('sample_detection', 'detection_rate'): '>= 0.95', ('reconstruct_cpu', 'pa_mpjpe_mm'): '<= 60',
         ('metrics', 'seconds_all_but_selfpen'): '<= 1', ('refine_gt', 'jitter_reduction'): '>= 0.5',
         ('refine_gt', 'foot_sliding_reduction'): '>= 0.5', ('refine_gt', 'penetration_mm_after'): '< 5',
         ('refine_gt', 'mpjpe_change'): '<= 0.05', ('sds_h100', 'step_over_floor'): '<= 1.10', ('sds_h100', 'peak_gib'): '<= 70',
         ('sds_h100', 'lowmem_peak_gib'): '<= 40', ('sds_h100', 'wan_peak_gib'): '<= 24', ('viz_browser', 'fps_playing'): '>= 20',
         ('pipeline', 'overhead_s_per_stage'): '<= 2', ('pipeline', 'demo_minutes'): '<= 10',
         ('truth', 'refine_beats_best_filter_frac'): '1', ('truth', 'static_wa_mpjpe_mm'): '<= 70',
         ('truth', 'static_jitter_30fps'): '<= 10', ('truth', 'static_foot_sliding_mm'): '<= 3', ('truth', 'jitter_over_truth'): '<= 1.2',
         ('camera', 'foot_sliding_moving_over_static'): '<= 1.5', ('camera', 'w_mpjpe_moving_over_static'): '<= 1.5',
         ('camera', 'crossing_identity_kept'): '1', ('reliability', 'silent_wrong'): '0', ('reliability', 'tracebacks'): '0',
         **{(n, k): g for n in ('sds_prior', 'sds_prior_flow', 'sds_prior_flow_ci') for k, g in (
            ('structured_mpjpe_sds_over_physics', '<= 0.8'), ('structured_accel_sds_over_physics', '<= 0.9'),
            ('good_motion_mpjpe_change', '<= 0.05'), ('speed_ratio_after', '>= 0.9'))},
         ('reliability', 'resume_identical'): '1', ('reliability', 'disk_mb_150f'): '<= 20', ('export', 'blender_glb_max_err_mm'): '<= 1',
         ('export', 'threejs_max_err_mm'): '<= 1', ('export', 'gltf_validator_errors'): '0', ('export', 'report_mb_300f'): '<= 5',
         ('chain_gpu', 'sam3d_100f_s'): '<= 35', ('chain_gpu', 'chain_sds_s'): '<= 300', ('chain_gpu', 'chain_nosds_s'): '<= 90',
         ('chain_gpu', 'chain_peak_gib'): '<= 70', ('chain_gpu', 'chain_offload_peak_gib'): '<= 40',
         **{(n, k): g for n in ('truth', 'truth_ci') for k, g in (('refine_beats_best_filter_frac', '1'), ('static_wa_mpjpe_mm', '<= 70'),
            ('static_jitter_30fps', '<= 10'), ('static_foot_sliding_mm', '<= 3'), ('jitter_over_truth', '<= 1.2'))},
         ('truth_reasons', 'static_wa_mpjpe_refined'): '<= 70', ('truth_reasons', 'static_jitter_30fps_refined'): '<= 10',
         ('truth_reasons', 'static_foot_sliding_refined'): '<= 3', ('truth_reasons', 'jitter_refined_over_truth'): '<= 1.2'}

def rounded(v):
    "A number to 3 significant digits (integers as they are); anything else as text."
    if isinstance(v, bool) or not isinstance(v, (int, float)): return f'`{v}`' if isinstance(v, str) else str(v)
    if isinstance(v, int) or v == 0 or not math.isfinite(v): return str(v)
    return f'{v:.{max(0, 2 - int(math.floor(math.log10(abs(v)))))}f}'

def bench_readme() -> str:
    "bench/README.md: every benchmark's latest result, rounded, beside its goal, with the command and machine."
    res = ROOT/'bench'/'results'
    out = ['<!-- generated from bench/results/ by tools/build_readme.py: do not edit -->\n',
           '# Benchmarks\n', 'Each script in `bench/` writes `bench/results/<name>.json` in the run that measured it '
           '(numbers are never merged or carried over). GPU figures come from the lent GPU machine with random weights '
           '(time and memory do not depend on the weights); CPU figures from a shared 2-core VM.\n']
    for p in sorted(res.glob('*.json')):
        r = json.loads(p.read_text())
        out.append(f"## {p.stem}\n")
        out.append(f"`{r.get('command', '?')}` — {r.get('date', '?')}, {r.get('machine', '?')}\n")
        out.append('| metric | value | goal |\n|---|---|---|')
        for k, v in r.get('metrics', {}).items():
            if isinstance(v, (dict, list)): continue
            out.append(f"| `{k}` | {rounded(v)} | {GOALS.get((p.stem, k), '')} |")
        if r.get('notes'): out.append(f"\n{r['notes']}\n")
        extra = p.with_suffix('.md')
        if extra.exists(): out.append(extra.read_text().rstrip() + '\n')
        out.append('')
    return '\n'.join(out).rstrip() + '\n'

if __name__ == '__main__':
    main()
    (ROOT/'bench'/'README.md').write_text(bench_readme())
