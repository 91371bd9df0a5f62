import { expect } from 'chai';
import {
  compileExpression,
  compileScript,
  evaluateCondition,
  ExpressionError,
  isSafeScript,
  type Scope,
} from '../../src/engine/expression';

function run(source: string, scope: Scope = {}): unknown {
  return compileExpression(source).evaluate(scope);
}

function holds(source: string, scope: Scope = {}): boolean {
  return evaluateCondition(compileExpression(source), scope);
}

function errorOf(action: () => unknown): ExpressionError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(ExpressionError);
    return error as ExpressionError;
  }
  return expect.fail('expected an ExpressionError');
}

describe('expression language', () => {
  describe('literals', () => {
    it('reads integers, decimals, exponents and Java long suffixes', () => {
      expect(run('42')).to.equal(42);
      expect(run('3.25')).to.equal(3.25);
      expect(run('2e3')).to.equal(2000);
      expect(run('1.5E-2')).to.equal(0.015);
      expect(run('7L')).to.equal(7);
      expect(run('7l + 1')).to.equal(8);
    });

    it('reads strings in either quote with escapes', () => {
      expect(run(`'it\\'s'`)).to.equal("it's");
      expect(run('"say \\"hi\\""')).to.equal('say "hi"');
      expect(run('"a\\nb\\tc\\\\d"')).to.equal('a\nb\tc\\d');
      expect(run('"\\u00e9t\\u00E9"')).to.equal('été');
    });

    it('reads true, false, null and arrays', () => {
      expect(run('true')).to.equal(true);
      expect(run('false')).to.equal(false);
      expect(run('null')).to.equal(null);
      expect(run('[1, 2, "a"]')).to.deep.equal([1, 2, 'a']);
      expect(run('[]')).to.deep.equal([]);
      expect(run('[[1], [x]]', { x: 2 })).to.deep.equal([[1], [2]]);
    });
  });

  describe('precedence', () => {
    it('binds * / % tighter than + -, and both left to right', () => {
      expect(run('1 + 2 * 3')).to.equal(7);
      expect(run('(1 + 2) * 3')).to.equal(9);
      expect(run('10 - 4 - 3')).to.equal(3);
      expect(run('100 / 10 / 5')).to.equal(2);
      expect(run('2 * 7 % 4')).to.equal(2);
      expect(run('1 + 10 % 4')).to.equal(3);
    });

    it('binds unary operators tighter than binary ones', () => {
      expect(run('-2 * 3')).to.equal(-6);
      expect(run('2 - -3')).to.equal(5);
      expect(run('!false && false')).to.equal(false);
      expect(run('not true == false')).to.equal(true);
    });

    it('orders arithmetic < relational < equality < and < or < ternary', () => {
      expect(run('1 + 2 < 4')).to.equal(true);
      expect(run('1 < 2 == 3 < 4')).to.equal(true);
      expect(run('true || false && false')).to.equal(true);
      expect(run('(true || false) && false')).to.equal(false);
      expect(run('false or true and true')).to.equal(true);
      expect(run('true ? 1 : 0 + 5')).to.equal(1);
      expect(run('1 > 2 ? "a" : "b" + "c"')).to.equal('bc');
    });

    it('nests ternaries to the right', () => {
      expect(run('false ? 1 : true ? 2 : 3')).to.equal(2);
      expect(run('x > 10 ? "big" : x > 5 ? "mid" : "small"', { x: 7 })).to.equal('mid');
    });
  });

  describe('operators', () => {
    it('compares for equality with ==, !=, === and !==', () => {
      expect(run('1 == 1')).to.equal(true);
      expect(run('1 != 1')).to.equal(false);
      expect(run('"a" === "a"')).to.equal(true);
      expect(run('"a" !== "b"')).to.equal(true);
      expect(run('[1] == [1]')).to.equal(false);
    });

    it('orders numbers and strings', () => {
      expect(run('1 < 2')).to.equal(true);
      expect(run('2 <= 2')).to.equal(true);
      expect(run('3 > 4')).to.equal(false);
      expect(run('4 >= 5')).to.equal(false);
      expect(run('"apple" < "banana"')).to.equal(true);
      expect(run('"2024-01-31" < "2024-02-01"')).to.equal(true);
    });

    it('does arithmetic and concatenation', () => {
      expect(run('7 - 2')).to.equal(5);
      expect(run('6 * 7')).to.equal(42);
      expect(run('7 / 2')).to.equal(3.5);
      expect(run('7 % 3')).to.equal(1);
      expect(run('+x', { x: 4 })).to.equal(4);
      expect(run('"n=" + 5')).to.equal('n=5');
      expect(run('1 + "a" + true')).to.equal('1atrue');
      expect(run('"v:" + null')).to.equal('v:null');
      expect(run('1 + 2 + "x"')).to.equal('3x');
    });

    it('treats "and", "or" and "not" as the symbolic operators', () => {
      expect(run('a and b', { a: true, b: false })).to.equal(false);
      expect(run('a or b', { a: false, b: true })).to.equal(true);
      expect(run('not a', { a: false })).to.equal(true);
    });

    it('short-circuits && and || and returns booleans', () => {
      // The right side would fail (division by zero) if it were evaluated.
      expect(run('false && 1 / 0 == 1')).to.equal(false);
      expect(run('true || 1 / 0 == 1')).to.equal(true);
      expect(run('1 && "true"')).to.equal(true);
      expect(run('0 || null')).to.equal(false);
      expect(run('a && b && c', { a: true, b: true, c: 1 })).to.equal(true);
    });

    it('reads properties, indexes and lengths', () => {
      const scope = { order: { customer: { name: 'Ann' }, lines: [{ sku: 'A1' }, { sku: 'B2' }] }, s: 'hello' };
      expect(run('order.customer.name', scope)).to.equal('Ann');
      expect(run('order["customer"]["name"]', scope)).to.equal('Ann');
      expect(run('order.lines[1].sku', scope)).to.equal('B2');
      expect(run('order.lines.length', scope)).to.equal(2);
      expect(run('s.length', scope)).to.equal(5);
      expect(run('s[1]', scope)).to.equal('e');
      expect(run('[10, 20, 30][i + 1]', { i: 1 })).to.equal(30);
      expect(run('m[1]', { m: { '1': 'one' } })).to.equal('one');
    });
  });

  describe('XPDL conditions', () => {
    it('order_number == 2', () => {
      expect(holds('order_number == 2', { order_number: 2 })).to.equal(true);
      expect(holds('order_number == 2', { order_number: 3 })).to.equal(false);
    });

    it('in_stock == false, also when the data arrived as text', () => {
      expect(holds('in_stock == false', { in_stock: false })).to.equal(true);
      expect(holds('in_stock == false', { in_stock: true })).to.equal(false);
      expect(holds('in_stock == false', { in_stock: 'false' })).to.equal(true);
      expect(holds('in_stock == false', { in_stock: 'FALSE' })).to.equal(true);
      expect(holds('in_stock == false', { in_stock: 'no' })).to.equal(false);
    });

    it('a bare boolean variable', () => {
      expect(holds('approvedByPublisher', { approvedByPublisher: true })).to.equal(true);
      expect(holds('approvedByPublisher', { approvedByPublisher: false })).to.equal(false);
      expect(holds('approvedByPublisher', { approvedByPublisher: 'True' })).to.equal(true);
      expect(holds('approvedByPublisher', {})).to.equal(false);
    });

    it('amount > 1000 && region != "north"', () => {
      const condition = 'amount > 1000 && region != "north"';
      expect(holds(condition, { amount: 1500, region: 'south' })).to.equal(true);
      expect(holds(condition, { amount: 1500, region: 'north' })).to.equal(false);
      expect(holds(condition, { amount: 999, region: 'south' })).to.equal(false);
    });
  });

  describe('null handling', () => {
    it('gives null for unset variables, missing properties and reads through null', () => {
      expect(run('missing')).to.equal(null);
      expect(run('missing == null')).to.equal(true);
      expect(run('a.b', { a: {} })).to.equal(null);
      expect(run('a.b.c.d', { a: { b: null } })).to.equal(null);
      expect(run('missing.x[0].y')).to.equal(null);
      expect(run('null.x')).to.equal(null);
      expect(run('list[5]', { list: [1] })).to.equal(null);
      expect(run('list[-1]', { list: [1] })).to.equal(null);
      expect(run('u', { u: undefined })).to.equal(null);
    });

    it('treats null as false in conditions', () => {
      expect(holds('missing')).to.equal(false);
      expect(holds('!missing')).to.equal(true);
    });

    it('refuses to order or add null, pointing at coalesce', () => {
      const error = errorOf(() => run('amount > 1000'));
      expect(error.message).to.match(/^Cannot compare null with number using ">" at position 7/);
      expect(error.message).to.contain('coalesce');
      expect(run('coalesce(amount, 0) > 1000')).to.equal(false);
      expect(errorOf(() => run('amount * 2')).message).to.contain('Cannot apply "*" to null and number');
    });
  });

  describe('equality relaxations', () => {
    it('null equals undefined', () => {
      expect(run('a == b', { a: null, b: undefined })).to.equal(true);
      expect(run('a == null', { a: undefined })).to.equal(true);
      expect(run('a != null', { a: 0 })).to.equal(true);
    });

    it('compares numbers numerically', () => {
      expect(run('1 == 1.0')).to.equal(true);
      expect(run('1L == 1')).to.equal(true);
      expect(run('0.5 == 5e-1')).to.equal(true);
    });

    it('compares booleans with "true"/"false" strings by value, both ways round', () => {
      expect(run('flag == true', { flag: 'true' })).to.equal(true);
      expect(run('"TRUE" == flag', { flag: true })).to.equal(true);
      expect(run('flag != false', { flag: 'false' })).to.equal(false);
      expect(run('flag == true', { flag: 'yes' })).to.equal(false);
    });

    it('stays strict otherwise', () => {
      expect(run('n == 2', { n: '2' })).to.equal(false);
      expect(run('0 == false')).to.equal(false);
      expect(run('"" == null')).to.equal(false);
    });

    it('compares dates by their instant', () => {
      const scope = { a: new Date('2024-01-01T00:00:00Z'), b: new Date('2024-01-01T00:00:00Z'), c: new Date('2024-06-01T00:00:00Z') };
      expect(run('a == b', scope)).to.equal(true);
      expect(run('a < c', scope)).to.equal(true);
      expect(run('c - a', scope)).to.equal(Date.UTC(2024, 5, 1) - Date.UTC(2024, 0, 1));
    });
  });

  describe('evaluateCondition truthiness', () => {
    it('maps numbers and strings to booleans', () => {
      expect(holds('x', { x: 2 })).to.equal(true);
      expect(holds('x', { x: 0 })).to.equal(false);
      expect(holds('x', { x: 'TRUE' })).to.equal(true);
      expect(holds('x', { x: 'False' })).to.equal(false);
      expect(holds('x', { x: '' })).to.equal(false);
    });

    it('refuses other strings with a message naming the condition and the value', () => {
      const error = errorOf(() => holds('status', { status: 'abc' }));
      expect(error.message).to.equal('Condition "status" gave the string "abc", expected a boolean or "true"/"false"');
      expect(error.expression).to.equal('status');
    });

    it('refuses arrays and objects', () => {
      expect(errorOf(() => holds('x', { x: [1] })).message).to.contain('gave an array, expected a boolean');
      expect(errorOf(() => holds('x', { x: { a: 1 } })).message).to.contain('gave an object, expected a boolean');
    });

    it('applies the same rules to operands of !, && and ? :', () => {
      const error = errorOf(() => run('ok && name', { ok: true, name: 'Bob' }));
      expect(error.message).to.match(/^Expected a boolean but got the string "Bob" at position 6/);
      expect(error.position).to.equal(6);
      expect(errorOf(() => run('!name', { name: 'Bob' })).position).to.equal(1);
      expect(errorOf(() => run('list ? 1 : 2', { list: [] })).message).to.contain('got an array');
    });
  });

  describe('syntax errors', () => {
    it('reports an unexpected token with its position', () => {
      const error = errorOf(() => compileExpression('a == (b))'));
      expect(error.message).to.match(/^Unexpected "\)" at position 8 in "a == \(b\)\)"/);
      expect(error.position).to.equal(8);
      expect(error.expression).to.equal('a == (b))');
      expect(error.name).to.equal('ExpressionError');
      expect(error).to.be.instanceOf(Error);
    });

    it('reports a missing closing parenthesis at the end of input', () => {
      const error = errorOf(() => compileExpression('a == (b'));
      expect(error.message).to.equal('Unexpected end of input at position 7 in "a == (b": expected ")"');
    });

    it('reports two values with no operator between them', () => {
      const error = errorOf(() => compileExpression('a b'));
      expect(error.message).to.contain('Unexpected "b" at position 2');
      expect(error.message).to.contain('expected an operator');
    });

    it('suggests == for a single =', () => {
      const error = errorOf(() => compileExpression('x = 1'));
      expect(error.position).to.equal(2);
      expect(error.message).to.contain('use "==" to compare');
    });

    it('suggests && and || for & and |', () => {
      expect(errorOf(() => compileExpression('a & b')).message).to.contain('Unexpected "&" at position 2');
      expect(errorOf(() => compileExpression('a | b')).message).to.contain('use "||" or "or"');
    });

    it('reports empty expressions, stray characters and bad numbers', () => {
      expect(errorOf(() => compileExpression('   ')).message).to.match(/^Empty expression/);
      expect(errorOf(() => compileExpression('a # b')).message).to.match(/^Unexpected character "#" at position 2/);
      expect(errorOf(() => compileExpression('2abc')).message).to.match(/^Invalid number "2abc" at position 0/);
      expect(errorOf(() => compileExpression('1.5L')).message).to.match(/^Invalid number "1.5L"/);
      expect(errorOf(() => compileExpression('1e999')).message).to.contain('too large');
    });

    it('reports unterminated strings and comments and unknown escapes', () => {
      const string = errorOf(() => compileExpression('x == "abc'));
      expect(string.message).to.match(/^Unterminated string at position 5/);
      expect(string.position).to.equal(5);
      expect(errorOf(() => compileExpression('x /* note')).message).to.match(/^Unterminated comment at position 2/);
      const escape = errorOf(() => compileExpression('"a\\qb"'));
      expect(escape.message).to.match(/^Invalid escape "\\q" at position 2/);
      expect(errorOf(() => compileExpression('"\\u12"')).message).to.contain('Invalid escape "\\u12"');
    });

    it('refuses unknown functions at compile time, listing the allowed ones', () => {
      const error = errorOf(() => compileExpression('exec(1)'));
      expect(error.message).to.match(/^Unknown function "exec" at position 0 in "exec\(1\)": allowed functions are len, contains, /);
      expect(error.message).to.contain('coalesce');
    });

    it('checks the number of arguments at compile time', () => {
      expect(errorOf(() => compileExpression('len(a, b)')).message).to.match(/^len\(\) takes 1 argument but was given 2 at position 0/);
      expect(errorOf(() => compileExpression('now(1)')).message).to.contain('now() takes 0 arguments');
      expect(errorOf(() => compileExpression('max()')).message).to.contain('max() takes at least 1 argument but was given 0');
    });

    it('refuses method calls', () => {
      const error = errorOf(() => compileExpression('name.toUpperCase()'));
      expect(error.message).to.match(/^Unexpected "\(" at position 16/);
      expect(error.message).to.contain('there are no methods');
      expect(errorOf(() => compileExpression('len(x)(1)')).position).to.equal(6);
    });

    it('comments are allowed in expressions', () => {
      expect(run('1 /* one */ + // plus\n 2')).to.equal(3);
    });
  });

  describe('evaluation errors', () => {
    it('refuses to order a number against a string', () => {
      const error = errorOf(() => run('x < "a"', { x: 5 }));
      expect(error.message).to.match(/^Cannot compare number with string using "<" at position 2/);
      expect(error.message).to.contain('number(...)');
      expect(errorOf(() => run('true > false')).message).to.contain('Cannot compare boolean with boolean');
    });

    it('refuses arithmetic on non-numbers', () => {
      expect(errorOf(() => run('"a" - 1')).message).to.match(/^Cannot apply "-" to string and number at position 4/);
      expect(errorOf(() => run('true + 1')).message).to.contain('Cannot apply "+" to boolean and number');
      expect(errorOf(() => run('-s', { s: 'x' })).message).to.contain('Cannot apply unary "-" to the string "x"');
      expect(errorOf(() => run('"a" + [1]')).message).to.contain('Cannot turn an array into text');
    });

    it('refuses division and modulo by zero', () => {
      const division = errorOf(() => run('a / b', { a: 1, b: 0 }));
      expect(division.message).to.equal('Division by zero at position 2 in "a / b"');
      expect(division.position).to.equal(2);
      expect(errorOf(() => run('5 % 0')).message).to.match(/^Modulo by zero at position 2/);
    });

    it('refuses non-finite results', () => {
      expect(errorOf(() => run('1e308 * 10')).message).to.contain('Arithmetic gave Infinity');
    });

    it('refuses properties of numbers, booleans, dates and class instances', () => {
      expect(errorOf(() => run('n.x', { n: 1 })).message).to.match(/^Cannot read property "x" of the number 1 at position 2/);
      expect(errorOf(() => run('d.time', { d: new Date() })).message).to.contain('of a date');
      expect(errorOf(() => run('m.size', { m: new Map() })).message).to.contain('of an object');
      expect(errorOf(() => run('list.first', { list: [] })).message).to.contain('Arrays have no property "first"');
      expect(errorOf(() => run('s.trim', { s: 'x' })).message).to.contain('Strings have no property "trim"');
    });

    it('refuses function values and getters', () => {
      expect(errorOf(() => run('f', { f: () => 1 })).message).to.match(/^"f" is a function at position 0/);
      expect(errorOf(() => run('o.f', { o: { f: () => 1 } })).message).to.contain('"f" is a function');
      const withGetter = Object.defineProperty({}, 'secret', { get: () => 'leaked', enumerable: true });
      expect(errorOf(() => run('o.secret', { o: withGetter })).message).to.contain('computed by a getter');
    });

    it('shows line and column for multi-line sources', () => {
      const error = errorOf(() => compileScript('x = 1\ny = 2 +* 3'));
      expect(error.message).to.contain('at position 12 (line 2, column 7)');
    });
  });

  describe('access to JavaScript internals', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      it(`refuses "${name}" at compile time when it is written out`, () => {
        for (const source of [name, `a.${name}`, `a["${name}"]`, `a.b.${name}.c`]) {
          const error = errorOf(() => compileExpression(source));
          expect(error.message).to.contain(`Access to "${name}" is not allowed`);
        }
        expect(errorOf(() => compileScript(`${name} = 1`)).message).to.contain(`Access to "${name}" is not allowed`);
      });

      it(`refuses "${name}" computed at run time`, () => {
        const error = errorOf(() => run('a[k]', { a: {}, k: name }));
        expect(error.message).to.match(new RegExp(`^Access to "${name}" is not allowed at position 1`));
      });
    }

    it('does not see inherited members', () => {
      expect(run('a.toString', { a: {} })).to.equal(null);
      expect(run('a.hasOwnProperty', { a: {} })).to.equal(null);
      expect(run('toString')).to.equal(null);
      expect(run('valueOf', Object.create({ valueOf: 1 }) as Scope)).to.equal(null);
      expect(run('a["constr" + "uctor"]', { a: {} }) as unknown).to.equal('unreachable');
    });
  });
});
