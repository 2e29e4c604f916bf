/*
 * cli.h - the subcommands of the borgerbot executable.
 *
 * main.c dispatches argv[1] to one of these; each returns the process exit
 * status (0 ok, 1 failure, 2 usage or configuration error) and prints its own
 * errors as one clear line on stderr.
 */
#ifndef BORGERBOT_CLI_H
#define BORGERBOT_CLI_H

#include <sqlite3.h>

struct store;

/* Opens the store at path for a one-shot command and its connection
 * (*db); prints the error and returns NULL when either fails. The caller
 * ends with store_close(). */
struct store *cli_open_db(const char *path, sqlite3 **db);

int cmd_serve(int argc, char **argv);    /* server.c */
int cmd_events(int argc, char **argv);   /* events_cli.c: parked events */
int cmd_classify(int argc, char **argv); /* intent_cli.c */
int cmd_intents(int argc, char **argv);  /* intent_cli.c */
int cmd_streets(int argc, char **argv);  /* intent_cli.c */
int cmd_chat(int argc, char **argv);     /* chat_cli.c: talk to a sandbox server */
int cmd_outbox(int argc, char **argv);   /* outbox_cli.c: staff replies, outbox rows */
int cmd_cases(int argc, char **argv);    /* case_cli.c: list, show, set-status */
int cmd_apikey(int argc, char **argv);   /* case_cli.c: staff API keys */
int cmd_backup(int argc, char **argv);   /* backup_cli.c: a consistent copy of the database */
int cmd_privacy(int argc, char **argv);  /* privacy_cli.c: export or delete a citizen's data */
int cmd_staff(int argc, char **argv);    /* staff_cli.c: console staff accounts */
int cmd_canned(int argc, char **argv);   /* canned_cli.c: the console's canned replies */
int cmd_profile(int argc, char **argv);  /* profile_cli.c: the page's Messenger Profile and menu */
int cmd_report(int argc, char **argv);   /* report_cli.c: proof of effect, misunderstood */
int cmd_panel(int argc, char **argv);    /* panel_cli.c: the citizen panel's consultations */

#endif
