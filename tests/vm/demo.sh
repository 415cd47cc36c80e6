# SPDX-License-Identifier: GPL-2.0
# `make run`'s payload (FLOOR_MS, LOAD_MS, PROFILE and RIDERS are prepended
# by the Makefile): load the module, start it, issue requests with the
# course's producer (and say why some return 1), and show /proc/elevator as
# it changes until everyone is delivered; then stop, unload and power off.
set -e
cd /lib/modules
echo "== insmod elevator.ko profile=$PROFILE floor_ms=$FLOOR_MS load_ms=$LOAD_MS"
insmod elevator.ko profile=$PROFILE floor_ms=$FLOOR_MS load_ms=$LOAD_MS
cat /proc/elevator
echo "== consumer --start"
consumer --start
echo "== producer $RIDERS"
producer $RIDERS | tee /tmp/producer.out
# The course's producer draws floors 1-6 for every profile; pets and office
# have floors 1-5, so requests to or from floor 6 are refused (returned 1).
refused=$(grep -c "returned 1$" /tmp/producer.out || true)
top=$(grep -c '^\[.\] Floor' /proc/elevator)
if [ "$refused" -gt 0 ]; then
    echo "== $refused of $RIDERS requests returned 1 (invalid request): the course's producer draws floors 1-6"
    echo "   and the $PROFILE profile has floors 1-$top; \`elevctl produce N --floors 1-$top\` draws valid ones only."
fi
last=
while :; do
    now=$(cat /proc/elevator)
    if [ "$now" != "$last" ]; then
        echo "== /proc/elevator at $(cut -d' ' -f1 /proc/uptime) s"
        echo "$now"
        last=$now
    fi
    case "$now" in
    *"waiting: 0"*) echo "$now" | grep -q "^Number of [a-z]*: 0$" && break ;;
    esac
    sleep 0.5
done
echo "== everyone delivered; consumer --stop"
consumer --stop
while ! grep -q "state: OFFLINE" /proc/elevator; do sleep 0.2; done
cat /proc/elevator
echo "== elevctl status --json"
elevctl status --json || true
echo "== rmmod elevator"
rmmod elevator
echo "== done"
