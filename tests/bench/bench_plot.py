# SPDX-License-Identifier: BSD-3-Clause
"""The two-panel gnuplot PNG the benchmark reports draw (mission_report.py,
sweep_report.py, policy_sweep.py): one shared x axis (offered load), a left panel on a linear
y axis from 0 and a right one on a log y axis (p99 latency)."""
import os
import shutil
import subprocess


def gnuplot_missing():
    """None when gnuplot is there, else why the plot cannot be drawn."""
    return None if shutil.which("gnuplot") else "gnuplot not found (Debian: gnuplot-nox)"


def two_panels(tmp, png, title, offset, left, right, xlabel="offered load (requests/s)"):
    """Draws @png from the plot expressions of the two panels, each
    (ylabel, plot expression), the script in @tmp. Returns None, or why it
    could not (and prints the PNG's path when it did)."""
    script = os.path.join(tmp, "plot.gp")
    with open(script, "w") as f:
        f.write('set terminal pngcairo size 1400,680 noenhanced\n'
                'set output "%s"\n'
                'set multiplot layout 1,2 title "%s"\n'
                'set xlabel "%s"\nset key below\nset grid\n'
                'set offsets graph %g, graph %g, 0, 0\n'
                'set ylabel "%s"\nset yrange [0:*]\nplot %s\n'
                'set ylabel "%s"\nset logscale y\nset yrange [*:*]\nplot %s\n'
                'unset multiplot\n' % (png, title, xlabel, offset, offset, left[0], left[1],
                                       right[0], right[1]))
    p = subprocess.run([shutil.which("gnuplot"), script], capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(png):
        return "gnuplot: %s" % p.stderr.strip()
    print("plot: %s" % png)
    return None
