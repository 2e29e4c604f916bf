/*
 * main.c - entry point of the borgerbot executable.
 *
 * Owns nothing but the subcommand table: argv[1] picks a command from cli.h,
 * which gets the remaining arguments (argv[0] is the command name).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
    {"serve", cmd_serve, "run the webhook server (see 'borgerbot serve --help')"},
    {"events", cmd_events, "list or retry parked webhook events"},
    {"classify", cmd_classify, "classify citizen messages read from stdin, one per line"},
    {"intents", cmd_intents, "check the intent definitions ('intents test')"},
    {"streets", cmd_streets, "manage the street register ('streets import FILE.csv')"},
    {"chat", cmd_chat, "chat with a sandbox server as a citizen (see 'borgerbot chat --help')"},
    {"cases", cmd_cases, "list, show and change the status of cases ('cases --help')"},
    {"apikey", cmd_apikey, "create, list and revoke API keys for the staff API and Open311"},
    {"staff", cmd_staff, "add, list and disable console staff accounts ('staff --help')"},
    {"canned", cmd_canned, "add and list the console's canned replies ('canned --help')"},
    {"outbox", cmd_outbox, "send a staff reply, list or retry replies ('outbox --help')"},
    {"backup", cmd_backup, "write a consistent copy of the database ('backup --to FILE')"},
    {"profile", cmd_profile,
     "show or set the page's Get Started, greeting and menu ('profile --help')"},
    {"report", cmd_report, "figures, plots and the misunderstood queue ('report --help')"},
    {"panel", cmd_panel, "load, list, close and publish panel consultations ('panel --help')"},
    {"privacy", cmd_privacy, "export or delete a citizen's data ('privacy --help')"},
    {"version", cmd_version, "print the version"},
    {"help", cmd_help, "show this help"},
};

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("borgerbot %s\n", BORGERBOT_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: borgerbot COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\nRun 'borgerbot COMMAND --help' for a command's options.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	if (strcmp(name, "--version") == 0)
		name = "version";
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "borgerbot: unknown command '%s' (try 'borgerbot help')\n", name);
	return 2;
}
