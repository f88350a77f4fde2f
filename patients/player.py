"""The words the session player (static/patients/player.js) says, translated on the server and sent with the page,
so they work offline too. `%(name)s` placeholders are filled in by the script."""

from django.utils.translation import gettext_lazy as _

TEXT = {
    "exercise_of": _("Exercise %(number)s of %(count)s"),
    "set_rep": _("Set %(set)s of %(sets)s · rep %(rep)s of %(reps)s"),
    "round_of": _("Round %(round)s of %(rounds)s"),
    "start_hold": _("Start the %(time)s-second hold"),
    "start_timed": _("Start (%(time)s)"),
    "rep_done": _("Rep done"),
    "rep_counted": _("Rep %(rep)s of %(reps)s."),
    "pause": _("Pause"),
    "resume": _("Carry on"),
    "paused": _("Paused."),
    "resumed": _("Carrying on."),
    "hold_label": _("Hold"),
    "rest_label": _("Rest"),
    "timed_label": _("Keep going"),
    "countdown_start": _("%(what)s: %(time)s, starting now."),
    "seconds_left": _("%(time)s left."),
    "seconds": _("%(seconds)s seconds"),
    "relax_then": _("Relax. Rep %(rep)s next."),
    "set_starts": _("Set %(set)s: ready when you are."),
    "exercise_done": _("Well done: exercise finished. How did it feel? (optional)"),
    "stopped": _("Stopped. That is the right thing to do when it hurts too much. How did it feel?"),
    "skipped": _("Skipped."),
}
