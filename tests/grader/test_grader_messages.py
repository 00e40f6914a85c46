"""A Message stored as JSON comes back as the same Message: code, params, nested causes and tuples of problems, so a
report stored in the database can be worded later in the reader's language; an optimiser says why it stopped in a
Message too."""

from __future__ import annotations

import json
import pickle

import pytest

import grader
from exercises.format_texts import FormatMessage, problem_from_json
from grader.families.logistic import Logistic
from grader.messages import Message, message_from_json, message_to_json
from grader.optimizers import newton_minimize, trust_exact_minimize
from grader.unconstrained import UnconstrainedObjective

from .test_grader_fit_certificates import logistic_data


def _failed_fit() -> grader.KeyVerificationError:
    with pytest.raises(grader.KeyVerificationError) as caught:
        grader.fit("bernoulli", y=[0.0, 0.0, 0.0, 0.0])  # every answer no: the MLE p = 0 is on the edge
    return caught.value


def test_a_grader_message_survives_json_with_its_code_and_text():
    message = _failed_fit().message
    stored = json.loads(json.dumps(message_to_json(message)))
    back = message_from_json(stored)
    assert type(back) is Message and (back.code, dict(back.params), str(back)) == (
        message.code, dict(message.params), str(message))
    assert "0 < p < 1" in back  # the English reads as the grader wrote it


def test_a_format_message_with_a_grader_cause_survives_json():
    cause = _failed_fit().message
    message = FormatMessage("key_unverifiable", cause=cause)
    back = problem_from_json(json.loads(json.dumps(message_to_json(message))))
    assert type(back) is FormatMessage and str(back) == f"the key cannot be verified: {cause}"
    assert type(back.params["cause"]) is Message and back.params["cause"].code == cause.code


def test_tuples_of_problems_and_plain_dicts_keep_their_shape():
    problems = (Message("hessian_not_finite"), Message("nothing_confirms_optimum"))
    failed = Message("fit_failed_verification", family="normal", problems=problems)
    back = message_from_json(json.loads(json.dumps(message_to_json(failed))))
    assert back.params["problems"] == problems and str(back) == str(failed)
    assert [item.code for item in back.params["problems"]] == ["hessian_not_finite", "nothing_confirms_optimum"]
    lengths = FormatMessage("column_lengths", lengths={"x": 3, "y": 4})
    assert problem_from_json(json.loads(json.dumps(message_to_json(lengths)))).params["lengths"] == {"x": 3, "y": 4}


def test_messages_pickle_as_messages():
    message = FormatMessage("component_needed", size=3)
    assert type(pickle.loads(pickle.dumps(message))) is FormatMessage
    with pytest.raises(ValueError, match="unknown message code"):
        Message("component_needed")  # a format code is not in the grader's table


def test_an_optimisers_reason_to_stop_is_a_message():
    family = Logistic()
    data = family.validate_data(**logistic_data(200, 4))
    objective = UnconstrainedObjective(family, data)
    z0 = objective.to_z(family.start(data))
    stopped = newton_minimize(objective, z0, max_iterations=1)  # far from the optimum after a single step
    assert not stopped.converged
    assert (stopped.message.code, dict(stopped.message.params)) == ("optimizer_iteration_limit", {"iterations": 1})
    assert stopped.message == "no convergence in 1 iterations"
    finished = newton_minimize(objective, z0)
    assert finished.converged and finished.message.code.startswith("optimizer_converged")
    second = trust_exact_minimize(objective, z0, 100_000)
    assert second.message.code == "scipy_said" and second.message == second.message.params["text"]
