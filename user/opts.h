/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts.h - the agent's options as data: one table (opts.c) gives each
 * option's name, type, default, help and the field it sets, and drives the
 * command line, --help (which prints the real defaults) and any other
 * source of settings that names options the same way.
 */
#ifndef SIPXDP_OPTS_H
#define SIPXDP_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hepsend.h"
#include "sipxdp.h"

#define OPTS_MAX_IFACES 16	/* each takes one link, two with --egress */
#define OPTS_DEFAULT_USER "sipxdp"	/* the package's system user */
#define OPTS_INSTANCE_MAX 64		/* --instance: characters */

/* Where --read runs the program: the kernel's if it may be loaded, else user space; or as forced. */
enum read_engine {
	READ_ENGINE_AUTO,
	READ_ENGINE_KERNEL,
	READ_ENGINE_USER,
};

struct opts {
	const char *ifaces[OPTS_MAX_IFACES];
	unsigned int nr_ifaces;
	int xdp_mode;			/* 0 native, 1 skb */
	bool egress;
	uint16_t sip_ports[SIPXDP_MAX_SIP_PORTS];	/* host order */
	unsigned int nr_sip_ports;
	uint16_t tls_ports[SIPXDP_MAX_TLS_PORTS];	/* host order */
	unsigned int nr_tls_ports;
	const char *textfile;
	const char *listen;		/* ADDR:PORT for /metrics over HTTP; NULL: none */
	const char *peer_groups;	/* file of NAME PREFIX... lines */
	unsigned int call_series;	/* per-call stream series at most; 0: none */
	double interval;		/* seconds */
	const char *calls_json;
	const char *read;
	unsigned int read_threads;	/* --read: 0 one per CPU (in user space: 1), 1 the reading thread alone */
	int read_engine;		/* --read: enum read_engine */
	bool show;
	bool promisc;
	double grace, setup_timeout, rtp_timeout, max_duration;	/* seconds */
	unsigned int max_calls;
	unsigned int max_streams;
	double offer_share, offer_source_share;	/* of the endpoints map, of that */
	unsigned int offer_endpoints;		/* per unanswered call */
	unsigned int max_streams_per_call, max_ssrcs_per_pair;
	unsigned int unpaired_streams;		/* per endpoint, per call naming it */
	double unpaired_share;			/* of the stream map */
	double pressure_timeout;		/* seconds */
	unsigned int max_kernel_memory;		/* MiB; 0: a quarter of the machine's */
	const char *hep[HEP_MAX_COLLECTORS];	/* --hep: [udp:|tcp:]ADDR:PORT of each collector */
	unsigned int nr_hep;
	unsigned int hep_id;			/* capture agent ID */
	const char *hep_password;		/* authentication key; NULL: none */
	const char *hep_node;			/* capture node name; NULL: none */
	double hep_report_interval;		/* seconds between a stream's quality reports */
	const char *state_file;		/* the call table handed to the next agent; NULL: none */
	bool persist;			/* maps and links pinned: the kernel counts on while no agent runs */
	const char *state_dir;		/* a BPF filesystem directory, an instance's pins in a directory of it */
	const char *instance;		/* that directory's name */
	bool reset_state;		/* pins of another layout are replaced, not refused */
	bool detach;			/* remove the instance's pins and links, and exit */
	unsigned int verbose;
	const char *user;		/* --user; NULL: OPTS_DEFAULT_USER if it exists */
	const char *config;		/* --config file, read after the command line */
	bool check_config;		/* parse, say so, exit */
	char *config_text;		/* its text: strings of the file's options point into it */
};

/*
 * Parse the command line into o, then the --config file for what the
 * command line left unset, then the defaults.  0, or -EINVAL after one
 * line on stderr (naming file and line for the config file's errors).
 * --help and --version print and exit(0).  opts_free() after, either way.
 */
int opts_parse(struct opts *o, int argc, char **argv);
void opts_free(struct opts *o);
void opts_usage(FILE *f);
const char *opts_version(void);

#endif /* SIPXDP_OPTS_H */
