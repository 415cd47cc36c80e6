# SPDX-License-Identifier: GPL-2.0
# Payload that produces the README's pictures from a real run: records
# /proc/elevator while the course's producer feeds the elevator (scaled
# timing), plots it, and prints the CSV, the SVG and a few snapshots between
# markers for the host (docs/make-pictures.sh) to cut out.
insmod /lib/modules/elevator.ko floor_ms=500 load_ms=250
consumer --start
elevctl record --out /tmp/run.csv --interval 100 --duration 40 &
rec=$!
producer 25 > /dev/null
sleep 8
cat /proc/elevator > /tmp/snap1.txt
elevctl produce 15 --seed 7 --quiet
sleep 6
cat /proc/elevator > /tmp/snap2.txt
wait $rec
elevctl plot --in /tmp/run.csv --out /tmp/run.svg
for f in run.csv run.svg snap1.txt snap2.txt; do
    echo "@@BEGIN $f@@"; base64 /tmp/$f; echo "@@END $f@@"
done
rmmod elevator
