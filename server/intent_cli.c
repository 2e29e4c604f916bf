/*
 * intent_cli.c - placeholder for the intent engine's commands (issue 4).
 */
#include <stdio.h>

#include "cli.h"

static int not_yet(const char *name)
{
	fprintf(stderr, "borgerbot: '%s' is not available in this build yet\n", name);
	return 1;
}

int cmd_classify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return not_yet("classify");
}

int cmd_intents(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return not_yet("intents");
}

int cmd_streets(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return not_yet("streets");
}
