import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { bindInputs } from '../../src/internal/errors';

/** Binds a value-class value to a construct (`test/Bind`), as every construct does with its props: a factory's problem throws here. */
export function bound<T>(value: T): T {
  bindInputs(new Construct(Testing.chart(), 'Bind'), value);
  return value;
}
