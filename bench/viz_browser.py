"""Mesh player in a real browser: frames drawn per second while playing, slider-to-frame latency, bytes per frame.

Plays a 300-frame sequence of an 18,439-vertex mesh (`sam4d.viz.player.capsule_walker`, the size of SAM 3D Body's mesh)
in `sam4d.viz.player.MeshPlayer`, in JupyterLab started here, seen by headless Debian chromium (software WebGL), and the
same player exported as an offline page. An init script (`sam4d.testing.browser.FRAME_PROBE_JS`) timestamps every drawn
image that differs from the previous one, without stalling the page.

  fps_playing            distinct images per second while Play runs all frames at the sequence's rate (30 fps)
  fps_playing_max        the same with the Play interval at 5 ms (as fast as the page can go)
  fps_playing_offline    fps_playing in the exported HTML page, no kernel (file://, network blocked)
  latency_ms_median/p90  slider moved one frame (key press on its handle) -> the new image drawn
  bytes_per_frame        bytes the browser received on the kernel websocket while playing, per frame advanced
  bytes_initial_per_frame  the player's one-off binary payload (rest mesh, weights, faces and per-joint tracks in the default
                         compact form; all frames' vertices with --player-kw "{'compact': False}") divided by frames
  renders_per_frame      renders of the scene per frame advanced while playing in JupyterLab (1.0: each frame drawn once)
  gpu_ms_per_render      GPU-process (SwiftShader) time of one render of the scene, from a Chrome trace of the offline page

usage: .venv-sam3d/bin/python bench/viz_browser.py [--frames 300] [--vertices 18439] [--out bench/results/viz_browser.json]
"""
import argparse, json, os, platform, shutil, statistics, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sam4d.testing.browser import FRAME_PROBE_JS, in_browser, jupyterlab, open_notebook, set_slider, slider_value, wait_js, widget_problems

CELL = """from sam4d.viz.player import MeshPlayer, capsule_walker
seq = capsule_walker(T={T}, V={V}, fps={fps})
player = MeshPlayer(seq, labels=['capsule walker'], width={W}, height={H}, loop=False, **{KW})
print('payload_bytes', player.payload_bytes)
player"""

def play_all(page, T, interval_ms):
    "Rewind, set the clock's interval, press play; return (seconds, distinct images, renders) until the last frame shows."
    set_slider(page, 0, nth=0); set_slider(page, interval_ms, nth=1)
    wait_js(page, "document.querySelectorAll('.widget-slider .widget-readout')[0].textContent.trim() === '0'", 'rewind', 30)
    page.wait_for_timeout(1500)
    n0, d0, t0 = page.evaluate('[(window.__sam4dFrames || []).length, window.__sam4dProbe ? window.__sam4dProbe.draws : 0, performance.now()]')
    page.locator('.sam4d-clock .sam4d-play').first.click()
    wait_js(page, f"document.querySelectorAll('.widget-slider .widget-readout')[0].textContent.trim() === '{T - 1}'",
            f'playing to frame {T - 1}', 300)
    page.wait_for_timeout(300)                       # the last frame's image
    t1, frames, d1 = page.evaluate(f'[performance.now(), (window.__sam4dFrames || []).slice({n0}), window.__sam4dProbe ? window.__sam4dProbe.draws : 0]')
    drawn = [t for t in frames if t <= t1]
    return (t1 - t0) / 1000, len(drawn), (d1 - d0) / DRAWS_PER_RENDER

def latency(page, steps=20):
    "Press ArrowRight on the frame slider `steps` times; ms from each press to the next new image."
    return page.evaluate("""async (n) => {
      const h = document.querySelector('.widget-slider .noUi-handle'), F = window.__sam4dFrames, out = [];
      for (let i = 0; i < n; i++) {
        const k = F.length, t0 = performance.now();
        h.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
        while (F.length === k && performance.now() - t0 < 5000) await new Promise(r => setTimeout(r, 2));
        out.push(F.length > k ? F[F.length - 1] - t0 : null);
        await new Promise(r => setTimeout(r, 150));
      }
      return out; }""", steps)

DRAWS_PER_RENDER = 5                    # floor plane, grid, body, skeleton, camera: five draw calls per render

def traced(page, fn):
    "Run fn() under a Chrome trace; return (its result, ms of GPU-process WebGL work per render of the scene meanwhile)."
    cdp = page.context.new_cdp_session(page)
    events, done = [], []
    cdp.on('Tracing.dataCollected', lambda e: events.extend(e['value'])); cdp.on('Tracing.tracingComplete', lambda e: done.append(1))
    d0 = page.evaluate('window.__sam4dProbe.draws')
    cdp.send('Tracing.start', {'categories': 'gpu,toplevel', 'transferMode': 'ReportEvents'})
    out = fn()
    cdp.send('Tracing.end'); draws = page.evaluate('window.__sam4dProbe.draws') - d0
    while not done: page.wait_for_timeout(100)
    names = {(e['pid'], e['tid']): e['args']['name'] for e in events if e.get('ph') == 'M' and e.get('name') == 'thread_name'}
    gpu = sum(e['dur'] for e in events if e.get('ph') == 'X' and e.get('name') == 'WebGL' and names.get((e['pid'], e['tid'])) == 'CrGpuMain')
    return out, gpu / 1000 / max(draws / DRAWS_PER_RENDER, 1)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--frames', type=int, default=300)
    ap.add_argument('--vertices', type=int, default=18439)
    ap.add_argument('--fps', type=float, default=30.0)
    ap.add_argument('--width', type=int, default=640)
    ap.add_argument('--height', type=int, default=360)
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'viz_browser.json'))
    ap.add_argument('--player-kw', default='{}', help='extra MeshPlayer arguments (a Python dict), for experiments')
    ap.add_argument('--no-probe', action='store_true', help='steps per second only (no frame timing), to see the probe cost')
    a = ap.parse_args()
    T, V = a.frames, a.vertices
    load0 = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix='sam4d-bench-viz-'))
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL.format(T=T, V=V, fps=a.fps, W=a.width, H=a.height, KW=a.player_kw))])
    nb.metadata = {'kernelspec': {'name': 'sam4d-sam3d', 'display_name': 'sam4d (sam3d)', 'language': 'python'}}
    nbformat.write(nb, work/'player.ipynb')
    res = {}
    with jupyterlab(work) as lab:
        def run(page, log):
            rx = dict(on=False, bytes=0, msgs=0)
            def on_ws(ws):
                if '/channels' not in ws.url: return
                def got(payload):
                    if rx['on']: rx['bytes'] += len(payload); rx['msgs'] += 1
                ws.on('framereceived', got)
            page.on('websocket', on_ws)
            t0 = time.monotonic()
            open_notebook(page, lab, 'player.ipynb', timeout=240)
            page.wait_for_selector('.jp-OutputArea canvas', timeout=120_000)
            res['seconds_to_canvas'] = time.monotonic() - t0
            out = page.inner_text('.jp-OutputArea-output')
            res['payload_bytes'] = int(out.split('payload_bytes')[1].split()[0])
            page.wait_for_timeout(3000)
            if widget_problems(page, log): raise RuntimeError(f'widget errors: {widget_problems(page, log)}')
            lat = [] if a.no_probe else [x for x in latency(page) if x is not None]
            res['latency_ms'] = lat
            rx['on'] = True
            secs, drawn, renders = play_all(page, T, round(1000 / a.fps))
            rx['on'] = False
            res.update(play_seconds=secs, drawn=drawn, renders=renders, ws_bytes=rx['bytes'], ws_msgs=rx['msgs'])
            secs_max, drawn_max, _ = play_all(page, T, 5)
            res.update(play_seconds_max=secs_max, drawn_max=drawn_max)
        in_browser(run, init_scripts=[] if a.no_probe else [FRAME_PROBE_JS])
    if a.no_probe:
        print(f"no probe: {T} steps in {res['play_seconds']:.2f} s = {T / res['play_seconds']:.1f} steps/s at {round(1000 / a.fps)} ms; "
              f"{T / res['play_seconds_max']:.1f} steps/s at 5 ms"); return
    # the same player as an offline page
    from sam4d.viz.player import MeshPlayer
    from sam4d.testing.figure import capsule_walker
    from sam4d.viz.html import export_html
    seq = capsule_walker(T=T, V=V, fps=a.fps)
    page_path = export_html(work/'offline'/'player.html', [MeshPlayer(seq, labels=['capsule walker'], loop=False)], title='player')
    res['offline_page_mb'] = page_path.stat().st_size / 2**20
    def offline(page, log):
        page.goto(page_path.as_uri(), timeout=180_000)
        page.wait_for_selector('canvas', timeout=180_000)
        page.locator('.sam4d-clock .sam4d-play').first.wait_for(state='visible', timeout=120_000)
        page.wait_for_timeout(2000)
        (secs, drawn, _), gpu_ms = traced(page, lambda: play_all(page, T, round(1000 / a.fps)))
        if log.blocked: raise RuntimeError(f'the offline page asked the network for {log.blocked[:5]}')
        return secs, drawn, gpu_ms
    res['play_seconds_offline'], res['drawn_offline'], res['gpu_ms'] = in_browser(offline, offline=True, init_scripts=[FRAME_PROBE_JS])
    load1 = os.getloadavg()
    lat = sorted(res['latency_ms'])
    metrics = dict(
        fps_playing=res['drawn'] / res['play_seconds'],
        fps_playing_max=res['drawn_max'] / res['play_seconds_max'],
        fps_playing_offline=res['drawn_offline'] / res['play_seconds_offline'],
        frames_drawn_fraction=res['drawn'] / T, renders_per_frame=res['renders'] / (T - 1),
        latency_ms_median=statistics.median(lat), latency_ms_p90=lat[int(0.9 * (len(lat) - 1))],
        bytes_per_frame=res['ws_bytes'] / (T - 1), messages_per_frame=res['ws_msgs'] / (T - 1),
        bytes_initial_per_frame=res['payload_bytes'] / T, bytes_initial=res['payload_bytes'],
        seconds_to_canvas=res['seconds_to_canvas'], offline_page_mb=res['offline_page_mb'], gpu_ms_per_render=res['gpu_ms'])
    out = dict(name='viz_browser', date=time.strftime('%Y-%m-%d %H:%M:%S'),
               machine=f'{platform.node()} ({os.cpu_count()} CPUs), headless Debian chromium, software WebGL (SwiftShader)',
               command=' '.join([Path(sys.executable).name, *sys.argv]),
               metrics={k: round(v, 3) if isinstance(v, float) else v for k, v in metrics.items()},
               notes=(f'{T} frames x {V} vertices, sequence at {a.fps:g} fps (clock interval {round(1000 / a.fps)} ms), canvas '
                      f'{a.width}x{a.height}. Player options {a.player_kw} (default: the compact skinned form, rig tracks per frame; compact=False: '
                      f'every frame a morph target). sam4d.viz.player.FrameClock steps the '
                      f'frame slider in the browser (requestAnimationFrame) and draws each new frame once (clip time + mixer.update(0) + '
                      f'the scene\'s rerender); nothing is drawn while the frame stands still and playing sends no message to the '
                      f'kernel (bytes_per_frame: what reaches the page per frame while playing, the pause sync included). WebGL is '
                      f'software here (SwiftShader, --disable-gpu): each render costs the page gpu_ms_per_render of main-thread '
                      f'time (synchronous read-back). load average {load0[0]:.1f} at start, {load1[0]:.1f} at end.'))
    shutil.rmtree(work, ignore_errors=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
    print(json.dumps(out, indent=1))

if __name__ == '__main__':
    main()
