// SPDX-License-Identifier: GPL-2.0
/*
 * elevator.c - a course-style elevator module (kernel module programming,
 * part 3), pets profile, written in C the way a student's submission is: one
 * kthread, one mutex, /proc/elevator through seq_file, and the three system
 * calls through the kernel's exported STUB_* function pointers.
 *
 * It is a test subject for `make grade` (see ../README.md): built as is it is
 * correct in every respect the grader checks; built with one of the FAULT_*
 * macros below (each folder's Kbuild sets one with ccflags-y) it has exactly
 * that one fault:
 *
 *   FAULT_POLLS_IDLE       wakes every 100 ms while idle or offline
 *   FAULT_LOCK_SLEEP       holds the mutex while it sleeps for a move
 *   FAULT_BOARDS_NO_STOP   picks up riders at floors it passes, no LOADING stop
 *   FAULT_STOP_OFFLINE_0   stop_elevator returns 0 when offline or stopping
 *   FAULT_FIFO_ORDER       boards a floor's riders last come, first served
 *   FAULT_NEVER_OFFLINE    shows IDLE instead of OFFLINE once a stop is done
 *
 * Building (pets): floors 1-5, at most 5 riders and 50 lbs; types 0-3 are
 * Chihuahua (C, 3 lbs), Pug (P, 14), Pughuahua (H, 10), Dachshund (D, 16).
 * Timing: floor_ms per floor moved, load_ms per stop (module parameters).
 *
 * Scheduling: the car heads for the destination of the rider who boarded
 * first, or when empty for the floor of the oldest waiting rider, and stops
 * on the way wherever someone gets off or the head of the floor's queue fits.
 */

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Course-style elevator (pets), a test subject for make grade");

#define ENTRY_NAME "elevator"
#define NUM_FLOORS 5
#define MAX_RIDERS 5
#define MAX_WEIGHT 50
#define NUM_TYPES 4
#define MAX_MS 60000

static unsigned int floor_ms = 2000;
module_param(floor_ms, uint, 0444);
MODULE_PARM_DESC(floor_ms, "milliseconds to move one floor (1-60000, default 2000)");

static unsigned int load_ms = 1000;
module_param(load_ms, uint, 0444);
MODULE_PARM_DESC(load_ms, "milliseconds of a stop (1-60000, default 1000)");

/* Exported by the kernel's syscall patch (548-550). */
extern int (*STUB_start_elevator)(void);
extern int (*STUB_issue_request)(int start_floor, int destination_floor, int type);
extern int (*STUB_stop_elevator)(void);

static const struct {
	char letter;
	int weight;
} pet_types[NUM_TYPES] = {
	{ 'C', 3 },	/* Chihuahua */
	{ 'P', 14 },	/* Pug */
	{ 'H', 10 },	/* Pughuahua */
	{ 'D', 16 },	/* Dachshund */
};

enum elevator_state { OFFLINE, IDLE, LOADING, UP, DOWN };

static const char *const state_names[] = {
	[OFFLINE] = "OFFLINE",
	[IDLE] = "IDLE",
	[LOADING] = "LOADING",
	[UP] = "UP",
	[DOWN] = "DOWN",
};

struct pet {
	struct list_head list;
	int type;
	int dest;
	u64 seq;		/* order of arrival, for the oldest waiting rider */
};

/* The building: everything below is guarded by building_lock. */
static DEFINE_MUTEX(building_lock);
static enum elevator_state state = OFFLINE;
static int cur_floor = 1;
static int cur_load;			/* lbs aboard */
static int num_aboard;
static int num_waiting;
static int num_serviced;
static int floor_waiting[NUM_FLOORS + 1];
static bool active;			/* started and not yet back offline */
static bool stopping;			/* stop_elevator called: deliver, board no one */
static bool kick;			/* something changed since the thread last looked */
static u64 next_seq;
static LIST_HEAD(car);
static struct list_head floor_queue[NUM_FLOORS + 1];

/* The thread waits on work_wq when it has nothing to do. */
static DECLARE_WAIT_QUEUE_HEAD(work_wq);
/* Nobody wakes sleep_wq: the thread sleeps on it for a move or a stop. */
static DECLARE_WAIT_QUEUE_HEAD(sleep_wq);

static struct task_struct *elevator_thread;
static struct proc_dir_entry *proc_entry;

/*
 * Sleeps ms milliseconds, or less if the module is being unloaded:
 * kthread_stop() wakes the thread and the condition is checked again.
 */
static void elevator_sleep(unsigned int ms)
{
	wait_event_interruptible_timeout(sleep_wq, kthread_should_stop(),
					 msecs_to_jiffies(ms));
}

/* Blocks until a request, a start, a stop or the unload. */
static void wait_for_work(void)
{
#ifdef FAULT_POLLS_IDLE
	wait_event_interruptible_timeout(work_wq,
					 kthread_should_stop() || READ_ONCE(kick),
					 msecs_to_jiffies(100));
#else
	wait_event_interruptible(work_wq, kthread_should_stop() || READ_ONCE(kick));
#endif
}

/* Called with building_lock held, as are all helpers below. */
static void poke(void)
{
	WRITE_ONCE(kick, true);
}

static bool fits(const struct pet *p)
{
	return num_aboard + 1 <= MAX_RIDERS &&
	       cur_load + pet_types[p->type].weight <= MAX_WEIGHT;
}

/* The next rider to board from this floor's queue (its head), or NULL. */
static struct pet *next_to_board(int floor)
{
	struct list_head *q = &floor_queue[floor];

	if (list_empty(q))
		return NULL;
#ifdef FAULT_FIFO_ORDER
	return list_last_entry(q, struct pet, list);
#else
	return list_first_entry(q, struct pet, list);
#endif
}

static bool someone_gets_off(void)
{
	struct pet *p;

	list_for_each_entry(p, &car, list)
		if (p->dest == cur_floor)
			return true;
	return false;
}

static bool someone_gets_on(void)
{
	struct pet *p;

	if (stopping)
		return false;
	p = next_to_board(cur_floor);
	return p && fits(p);
}

static void unload(void)
{
	struct pet *p, *n;

	list_for_each_entry_safe(p, n, &car, list) {
		if (p->dest != cur_floor)
			continue;
		list_del(&p->list);
		cur_load -= pet_types[p->type].weight;
		num_aboard--;
		num_serviced++;
		kfree(p);
	}
}

/* Head of line: riders board in queue order until one does not fit. */
static void board(void)
{
	struct pet *p;

	while (!stopping && (p = next_to_board(cur_floor)) && fits(p)) {
		list_move_tail(&p->list, &car);
		floor_waiting[cur_floor]--;
		num_waiting--;
		num_aboard++;
		cur_load += pet_types[p->type].weight;
	}
}

/* Where to go next: 0 when there is nothing to do. */
static int next_target(void)
{
	struct pet *oldest = NULL, *p;
	int f, target = 0;

	if (!list_empty(&car))
		return list_first_entry(&car, struct pet, list)->dest;
	if (stopping)
		return 0;
	for (f = 1; f <= NUM_FLOORS; f++) {
		if (list_empty(&floor_queue[f]))
			continue;
		p = list_first_entry(&floor_queue[f], struct pet, list);
		if (!oldest || p->seq < oldest->seq) {
			oldest = p;
			target = f;
		}
	}
	return target;
}

static int elevator_fn(void *data)
{
	int target;

	while (!kthread_should_stop()) {
		mutex_lock(&building_lock);
		WRITE_ONCE(kick, false);

		if (!active) {
			/* Offline: sleep until started (or unloaded). */
			mutex_unlock(&building_lock);
			wait_for_work();
			continue;
		}

		if (stopping && list_empty(&car)) {
			/* Everyone aboard delivered: the stop is complete. */
			active = false;
			stopping = false;
#ifdef FAULT_NEVER_OFFLINE
			state = IDLE;
#else
			state = OFFLINE;
#endif
			mutex_unlock(&building_lock);
			continue;
		}

		if (someone_gets_off() || someone_gets_on()) {
			state = LOADING;
			unload();
			board();
			mutex_unlock(&building_lock);
			elevator_sleep(load_ms);
			continue;
		}

		target = next_target();
		if (!target) {
			state = IDLE;
			mutex_unlock(&building_lock);
			wait_for_work();
			continue;
		}

		state = target > cur_floor ? UP : DOWN;
#ifdef FAULT_LOCK_SLEEP
		elevator_sleep(floor_ms);
#else
		mutex_unlock(&building_lock);
		elevator_sleep(floor_ms);
		mutex_lock(&building_lock);
#endif
		cur_floor += state == UP ? 1 : -1;
#ifdef FAULT_BOARDS_NO_STOP
		board();
#endif
		mutex_unlock(&building_lock);
	}
	return 0;
}

static int start_elevator(void)
{
	int ret = 0;

	mutex_lock(&building_lock);
	if (active) {
		ret = 1;
	} else {
		active = true;
		stopping = false;
		state = IDLE;
		cur_floor = 1;
		poke();
	}
	mutex_unlock(&building_lock);
	if (!ret)
		wake_up_interruptible(&work_wq);
	return ret;
}

static int issue_request(int start_floor, int destination_floor, int type)
{
	struct pet *p;

	if (start_floor < 1 || start_floor > NUM_FLOORS ||
	    destination_floor < 1 || destination_floor > NUM_FLOORS ||
	    start_floor == destination_floor || type < 0 || type >= NUM_TYPES)
		return 1;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->type = type;
	p->dest = destination_floor;

	mutex_lock(&building_lock);
	p->seq = next_seq++;
	list_add_tail(&p->list, &floor_queue[start_floor]);
	floor_waiting[start_floor]++;
	num_waiting++;
	poke();
	mutex_unlock(&building_lock);
	wake_up_interruptible(&work_wq);
	return 0;
}

static int stop_elevator(void)
{
	int ret = 0;

	mutex_lock(&building_lock);
	if (!active || stopping) {
#ifdef FAULT_STOP_OFFLINE_0
		ret = 0;
#else
		ret = 1;
#endif
	} else {
		stopping = true;
		poke();
	}
	mutex_unlock(&building_lock);
	wake_up_interruptible(&work_wq);
	return ret;
}

static void show_pet(struct seq_file *m, const struct pet *p)
{
	seq_printf(m, " %c%d", pet_types[p->type].letter, p->dest);
}

static int elevator_show(struct seq_file *m, void *v)
{
	struct pet *p;
	int f;

	mutex_lock(&building_lock);
	seq_printf(m, "Elevator state: %s\n", state_names[state]);
	seq_printf(m, "Current floor: %d\n", cur_floor);
	seq_printf(m, "Current load: %d lbs\n", cur_load);
	seq_puts(m, "Elevator status:");
	list_for_each_entry(p, &car, list)
		show_pet(m, p);
	seq_puts(m, "\n\n");
	for (f = NUM_FLOORS; f >= 1; f--) {
		seq_printf(m, "[%c] Floor %d: %d", f == cur_floor ? '*' : ' ',
			   f, floor_waiting[f]);
		list_for_each_entry(p, &floor_queue[f], list)
			show_pet(m, p);
		seq_putc(m, '\n');
	}
	seq_printf(m, "\nNumber of pets: %d\n", num_aboard);
	seq_printf(m, "Number of pets waiting: %d\n", num_waiting);
	seq_printf(m, "Number of pets serviced: %d\n", num_serviced);
	mutex_unlock(&building_lock);
	return 0;
}

static int elevator_open(struct inode *inode, struct file *file)
{
	return single_open(file, elevator_show, NULL);
}

static const struct proc_ops elevator_fops = {
	.proc_open = elevator_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static void free_list(struct list_head *head)
{
	struct pet *p, *n;

	list_for_each_entry_safe(p, n, head, list) {
		list_del(&p->list);
		kfree(p);
	}
}

static int __init elevator_init(void)
{
	int f;

	if (!floor_ms || floor_ms > MAX_MS || !load_ms || load_ms > MAX_MS) {
		pr_err("elevator: floor_ms and load_ms must be 1 to %d\n", MAX_MS);
		return -EINVAL;
	}
	for (f = 0; f <= NUM_FLOORS; f++)
		INIT_LIST_HEAD(&floor_queue[f]);

	proc_entry = proc_create(ENTRY_NAME, 0444, NULL, &elevator_fops);
	if (!proc_entry)
		return -ENOMEM;

	elevator_thread = kthread_run(elevator_fn, NULL, "elevator_thread");
	if (IS_ERR(elevator_thread)) {
		remove_proc_entry(ENTRY_NAME, NULL);
		return PTR_ERR(elevator_thread);
	}

	STUB_start_elevator = start_elevator;
	STUB_issue_request = issue_request;
	STUB_stop_elevator = stop_elevator;
	pr_info("elevator: loaded (pets, floor_ms=%u, load_ms=%u)\n",
		floor_ms, load_ms);
	return 0;
}

static void __exit elevator_exit(void)
{
	int f;

	STUB_start_elevator = NULL;
	STUB_issue_request = NULL;
	STUB_stop_elevator = NULL;
	remove_proc_entry(ENTRY_NAME, NULL);
	kthread_stop(elevator_thread);

	free_list(&car);
	for (f = 1; f <= NUM_FLOORS; f++)
		free_list(&floor_queue[f]);
	pr_info("elevator: unloaded\n");
}

module_init(elevator_init);
module_exit(elevator_exit);
